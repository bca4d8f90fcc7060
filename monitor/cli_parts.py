"""Pieces every command of the CLI is built from, so all commands read and fail alike."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

Handler = Callable[[argparse.Namespace], int]


def add_command(commands, name: str, summary: str, example: str, handler: Handler) -> argparse.ArgumentParser:
    """A subcommand whose help shows its summary and one example."""
    command = commands.add_parser(
        name, help=summary, description=summary, epilog=f"example: {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.set_defaults(handler=handler)
    return command


def config_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--config", type=Path, metavar="DIR",
        help="config folder with monitor.yaml, sources.yaml and rules/ (default: the shipped config/)",
    )
