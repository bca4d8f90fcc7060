"""Configuration: YAML files validated into objects, in one place."""
from monitor.config.loader import Config, ConfigError, load_config

__all__ = ["Config", "ConfigError", "load_config"]
