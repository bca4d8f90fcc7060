"""Dozor's entry point: python run_monitor.py COMMAND ... (see --help)."""
import sys

from monitor.cli import main

if __name__ == "__main__":
    sys.exit(main())
