"""The command line: each command parses its options, calls one library function, prints."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from monitor import cli_analyst
from monitor.analyst import AnalystError
from monitor.cli_parts import add_command, config_option
from monitor.config import ConfigError, load_config

EPILOG = "Run `python run_monitor.py COMMAND --help` for a command's options and an example."


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from monitor.logs import setup_logging

    setup_logging(args.verbose)
    try:
        return args.handler(args)
    except AnalystError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except ConfigError as error:
        print("The configuration has problems:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_monitor.py",
        description="Dozor watches Central Asian news for foreign fighters and violent extremism, "
        "flags items with analysts' YAML rules, stores them once in SQLite and sends digests.",
        epilog=EPILOG,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step (to stderr)")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for register in (_demo, _once, _run, _check_config, _digest, _sources, _channels, _stories, _test_rule, _classify,
                     _backup, cli_analyst.register):
        register(commands)
    return parser


def _demo(commands) -> None:
    command = add_command(
        commands, "demo",
        "Serve a bundled news site on 127.0.0.1, crawl it, match the default rules, store and write a digest. Offline.",
        "python run_monitor.py demo --data demo-output", _run_demo,
    )
    command.add_argument("--data", type=Path, default=Path("demo-output"), metavar="DIR",
                         help="where the demo keeps its database and digests (default: demo-output)")
    config_option(command)


def _run_demo(args: argparse.Namespace) -> int:
    from monitor.demo import run_demo
    from monitor.report import describe_round

    report, config = run_demo(args.data, args.config)
    print(describe_round(report, config))
    return 0


def _once(commands) -> None:
    command = add_command(
        commands, "once",
        "Run one round over the configured sources: fetch, store, match; with --digest also deliver digests.",
        "python run_monitor.py once --config config --digest", _run_once,
    )
    config_option(command)
    command.add_argument("--digest", action="store_true", help="build and deliver each channel's digest after the round")


def _run_once(args: argparse.Namespace) -> int:
    from monitor.report import describe_round
    from monitor.service import run_once

    config = load_config(args.config)
    print(describe_round(run_once(config, with_digest=args.digest), config))
    return 0


def _run(commands) -> None:
    command = add_command(
        commands, "run",
        "Run as a daemon: each source crawled at its own interval, urgent alerts at once, each channel's digest at "
        "its time; presses of the Telegram verdict buttons stored; config edits picked up without restart. "
        "Stops cleanly on SIGTERM or Ctrl-C.",
        "python run_monitor.py -v run --config /etc/dozor", _run_daemon,
    )
    config_option(command)
    command.add_argument("--tick", type=float, default=5.0, metavar="SECONDS",
                         help="how often to look for due sources, digests and retries (default: 5)")


def _run_daemon(args: argparse.Namespace) -> int:
    from monitor.daemon import run_daemon
    from monitor.lock import AlreadyRunning

    config = load_config(args.config)
    logging.getLogger("dozor").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return run_daemon(config, args.tick)
    except AlreadyRunning as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _backup(commands) -> None:
    command = add_command(
        commands, "backup",
        "Copy the database to a new file while Dozor keeps running (SQLite online backup), then check the copy.",
        "python run_monitor.py backup /var/backups/dozor-$(date +%F).sqlite3", _run_backup,
    )
    command.add_argument("destination", type=Path, metavar="FILE", help="the new backup file (must not exist)")
    config_option(command)


def _run_backup(args: argparse.Namespace) -> int:
    from monitor.backup import backup

    config = load_config(args.config)
    try:
        size = backup(config.monitor.database, args.destination)
    except (FileExistsError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Backed up {config.monitor.database} to {args.destination} ({size / 1024 ** 2:.1f} MB), integrity ok")
    return 0


def _check_config(commands) -> None:
    command = add_command(
        commands, "check-config",
        "Validate every YAML file of a config folder; print each problem with file, line and key. Exit 1 on error.",
        "python run_monitor.py check-config --config config", _run_check_config,
    )
    config_option(command)


def _run_check_config(args: argparse.Namespace) -> int:
    from monitor.rules.lint import lint

    config = load_config(args.config)
    for warning in lint(list(config.rule_files)):
        print(f"warning: {warning}")
    print(
        f"{config.directory}: OK — {len(config.sources.sources)} sources, "
        f"{len(config.rules.rules)} rules, {len(config.rules.lists)} term lists, "
        f"{len(config.rules.entities)} entities, {len(config.monitor.channels)} channels"
    )
    return 0


def _test_rule(commands) -> None:
    command = add_command(
        commands, "test-rule",
        "Run the rules on one text and show every rule that fired with its evidence; name a rule to see "
        "which of its clauses held and which failed.",
        "python run_monitor.py test-rule foreign-fighters --text 'Боевики из Казахстана воюют в Сирии'", _run_test_rule,
    )
    command.add_argument("rule", nargs="?", metavar="RULE", help="a rule id to explain clause by clause")
    given = command.add_mutually_exclusive_group(required=True)
    given.add_argument("--text", help="the text to test (its first line is taken as the title)")
    given.add_argument("--file", type=Path, help="a UTF-8 text file (first line: title)")
    given.add_argument("--url", help="an article page to fetch and test")
    config_option(command)


def _run_test_rule(args: argparse.Namespace) -> int:
    from monitor.rules.explain import UnknownRuleError, format_explanation
    from monitor.service import explain_text, explain_url

    config = load_config(args.config)
    try:
        if args.url:
            explanation = explain_url(config, args.url, args.rule)
        else:
            text = args.text if args.text is not None else args.file.read_text(encoding="utf-8")
            explanation = explain_text(config, text, args.rule)
    except (UnknownRuleError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(format_explanation(explanation))
    return 0


def _classify(commands) -> None:
    command = add_command(
        commands, "classify",
        "Match JSON Lines records ({id, title, text[, url, lang, source, published]}) and write one JSON result "
        "line per record, in input order, streaming.",
        "python run_monitor.py classify items.jsonl > results.jsonl", _run_classify,
    )
    command.add_argument("file", nargs="?", default="-", metavar="FILE", help="input file, or - for standard input")
    config_option(command)


def _run_classify(args: argparse.Namespace) -> int:
    from monitor.rules.classify import classify_stream
    from monitor.rules.engine import compile_rules

    matcher = compile_rules(load_config(args.config).rules)
    if args.file == "-":
        counts = classify_stream(matcher, sys.stdin, sys.stdout)
    else:
        try:
            with open(args.file, encoding="utf-8") as lines:
                counts = classify_stream(matcher, lines, sys.stdout)
        except OSError as error:
            print(f"error: cannot read {args.file}: {error.strerror}", file=sys.stderr)
            return 1
    print(f"{counts.records} records, {counts.matched} matched, {counts.errors} malformed", file=sys.stderr)
    return 0


def _digest(commands) -> None:
    command = add_command(
        commands, "digest",
        "Build and deliver the digest of stored hits not yet sent; --dry-run prints it and sends or marks nothing.",
        "python run_monitor.py digest --channel files --dry-run", _run_digest,
    )
    config_option(command)
    command.add_argument("--channel", metavar="NAME", help="only this channel (default: every channel)")
    command.add_argument("--dry-run", action="store_true", help="print what would be sent; send and mark nothing")


def _run_digest(args: argparse.Namespace) -> int:
    from monitor.report import describe_deliveries, describe_preview
    from monitor.service import preview_digests, send_digests

    config = load_config(args.config)
    if args.dry_run:
        print(describe_preview(preview_digests(config, args.channel)))
    else:
        print(describe_deliveries(send_digests(config, args.channel)))
    return 0


def _stories(commands) -> None:
    command = add_command(
        commands, "stories",
        "List stories, newest first: each event once, with every article, outlet and language that carried it.",
        "python run_monitor.py stories --since 2026-11-20", _run_stories,
    )
    config_option(command)
    command.add_argument("--since", metavar="DATE", help="only stories last seen on or after this date (YYYY-MM-DD)")
    command.add_argument("--limit", type=int, default=50, help="at most this many stories (default: 50)")


def _run_stories(args: argparse.Namespace) -> int:
    from monitor.report import describe_stories
    from monitor.service import stories

    print(describe_stories(stories(load_config(args.config), args.since, args.limit)))
    return 0


def _channels(commands) -> None:
    command = add_command(
        commands, "channels",
        "List every delivery channel: active, or disabled since its recipient refused a message (bot blocked, "
        "chat gone, every address refused), and how many hits wait for it. --enable switches one back on; "
        "what waits is sent with the next digest.",
        "python run_monitor.py channels --enable desk-telegram", _run_channels,
    )
    command.add_argument("--enable", metavar="NAME", help="switch a disabled channel back on once its recipient is fixed")
    config_option(command)


def _run_channels(args: argparse.Namespace) -> int:
    from monitor.report import describe_channels
    from monitor.service import channel_states

    config = load_config(args.config)
    print(describe_channels(channel_states(config, args.enable)))
    return 0


def _sources(commands) -> None:
    command = add_command(
        commands, "sources",
        "List every configured source with its health: last success, last error, consecutive failures.",
        "python run_monitor.py sources", _run_sources,
    )
    config_option(command)


def _run_sources(args: argparse.Namespace) -> int:
    from monitor.report import describe_sources
    from monitor.service import source_health

    config = load_config(args.config)
    print(describe_sources(source_health(config)))
    return 0
