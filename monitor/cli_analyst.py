"""The analysts' commands: search, backtest, feedback, stats, import, export, serve, schema.

Same shape as monitor/cli.py: each command parses its options, calls one
function of monitor.analyst, and prints. An AnalystError ends as one line on
stderr and exit status 1 (monitor.cli.main catches it).
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from monitor.cli_parts import add_command, config_option
from monitor.config import load_config


def register(commands) -> None:
    """Add the analysts' commands to the CLI's subparsers."""
    for add in (_search, _backtest, _feedback, _stats, _import, _export, _serve, _schema):
        add(commands)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it like 2024-03-01") from None


def _since_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--since", type=_day, metavar="DATE",
        help="only articles published on or after DATE, YYYY-MM-DD (fetch date when the source gave none)",
    )


def _search(commands) -> None:
    command = add_command(
        commands, "search",
        "Full-text search of stored articles' titles and bodies, any case; \"quoted phrases\", word* for prefixes.",
        "python run_monitor.py search '\"Исламское государство\"' вербовщик* --since 2024-01-01 --lang ru", _run_search,
    )
    command.add_argument("query", nargs="+", help="words that must all occur")
    _since_option(command)
    command.add_argument("--source", metavar="NAME", help="only articles from this source")
    command.add_argument("--lang", metavar="LANG", help="only articles in this language (ru, kk, uz, ky, tg, tk, en)")
    command.add_argument("--limit", type=int, default=20, metavar="N", help="show at most N articles, newest first (default: 20)")
    config_option(command)


def _run_search(args: argparse.Namespace) -> int:
    from monitor.analyst.archive import open_archive
    from monitor.analyst.search import format_results, search

    config = load_config(args.config)
    with open_archive(config.monitor.database) as store:
        results = search(store, " ".join(args.query), since=args.since, source=args.source, language=args.lang, limit=args.limit)
    print(format_results(results))
    return 0


def _backtest(commands) -> None:
    command = add_command(
        commands, "backtest",
        "Run a new or edited rule file over the stored articles, writing nothing; show what it flags and the hits "
        "it gains and loses against the rules in force.",
        "cp config/rules/extremism.yaml /tmp/ && $EDITOR /tmp/extremism.yaml && "
        "python run_monitor.py backtest /tmp/extremism.yaml --since 2024-01-01", _run_backtest,
    )
    command.add_argument("rule_file", type=Path, metavar="RULE-FILE", help="the rule file (YAML), saved outside the config's rules/")
    _since_option(command)
    command.add_argument("--sample", type=int, default=10, metavar="N", help="show the N newest flagged articles (default: 10)")
    config_option(command)


def _run_backtest(args: argparse.Namespace) -> int:
    from monitor.analyst.archive import open_archive
    from monitor.analyst.backtest import backtest, format_backtest

    config = load_config(args.config)
    with open_archive(config.monitor.database) as store:
        report = backtest(store, config, args.rule_file, since=args.since, sample=args.sample)
    print(format_backtest(report))
    return 0


def _feedback(commands) -> None:
    command = add_command(
        commands, "feedback",
        "Mark a stored hit relevant or irrelevant; the latest verdict on a hit counts in stats. "
        "The buttons under Telegram stories do the same while the daemon (run) is running.",
        "python run_monitor.py feedback 1234 irrelevant --note 'boxing, not fighters'", _run_feedback,
    )
    command.add_argument("hit_id", type=int, metavar="HIT-ID", help="the hit's id (shown by export and serve)")
    command.add_argument("verdict", choices=("relevant", "irrelevant"))
    command.add_argument("--note", metavar="TEXT", help="why, for whoever edits the rule next")
    config_option(command)


def _run_feedback(args: argparse.Namespace) -> int:
    from monitor.analyst.archive import open_archive
    from monitor.analyst.feedback import format_verdict, record_verdict

    config = load_config(args.config)
    with open_archive(config.monitor.database) as store:
        verdict = record_verdict(store, args.hit_id, args.verdict, note=args.note)
    print(format_verdict(verdict))
    return 0


def _stats(commands) -> None:
    command = add_command(
        commands, "stats",
        "Per rule: hits, marked relevant and irrelevant, precision. Per source: articles, hits, consecutive failures.",
        "python run_monitor.py stats --since 2024-01-01 --min-precision 0.5", _run_stats,
    )
    _since_option(command)
    command.add_argument(
        "--min-precision", type=float, default=0.5, metavar="P",
        help="flag rules whose precision is below P, 0-1 (default: 0.5)",
    )
    command.add_argument(
        "--min-marked", type=int, default=5, metavar="N",
        help="judge a rule's precision only once N of its hits are marked (default: 5)",
    )
    config_option(command)


def _run_stats(args: argparse.Namespace) -> int:
    from monitor.analyst.archive import open_archive
    from monitor.analyst.stats import format_stats, stats

    config = load_config(args.config)
    with open_archive(config.monitor.database) as store:
        found = stats(store, since=args.since)
    print(format_stats(found, args.min_precision, args.min_marked))
    return 0


def _import(commands) -> None:
    command = add_command(
        commands, "import",
        "Load past articles from a JSON Lines file (url, title, text, source, published, language[, country]) "
        "through the same dedup, rules and store as crawled ones. Bad lines are reported and skipped.",
        "python run_monitor.py import archive-2023.jsonl", _run_import,
    )
    command.add_argument("file", type=Path, metavar="FILE", help="one JSON object per line")
    command.add_argument(
        "--deliver", action="store_true",
        help="also queue the hits for the next digests (off by default: an archive would flood them)",
    )
    config_option(command)


def _run_import(args: argparse.Namespace) -> int:
    from monitor.analyst.importer import ProgressPrinter, format_summary, import_archive

    config = load_config(args.config)
    summary = import_archive(config, args.file, progress=ProgressPrinter(sys.stderr), deliver=args.deliver)
    print(format_summary(args.file, summary))
    return 0


def _export(commands) -> None:
    command = add_command(
        commands, "export",
        "Write stored hits with their article, rule, severity, score, verdict and evidence as CSV or JSON Lines.",
        "python run_monitor.py export --since 2024-01-01 --format csv --output hits.csv", _run_export,
    )
    _since_option(command)
    command.add_argument("--format", choices=("csv", "jsonl"), required=True)
    command.add_argument("--output", type=Path, metavar="FILE", help="write here instead of to standard output")
    config_option(command)


def _run_export(args: argparse.Namespace) -> int:
    from monitor.analyst.archive import open_archive
    from monitor.analyst.export import FILE_ENCODINGS, export_hits

    config = load_config(args.config)
    with open_archive(config.monitor.database) as store:
        if args.output is None:
            export_hits(store, sys.stdout, args.format, since=args.since)
            return 0
        with args.output.open("w", encoding=FILE_ENCODINGS[args.format], newline="") as stream:
            count = export_hits(store, stream, args.format, since=args.since)
    print(f"{count} hits written to {args.output}", file=sys.stderr)
    return 0


def _serve(commands) -> None:
    command = add_command(
        commands, "serve",
        "Browse the database read-only in Datasette on 127.0.0.1, with canned queries: today's hits, stories, "
        "source health. Needs the optional extra: pip install -e '.[serve]'.",
        "python run_monitor.py serve --port 8001", _run_serve,
    )
    command.add_argument("--port", type=int, default=8001, help="port on 127.0.0.1 (default: 8001)")
    config_option(command)


def _run_serve(args: argparse.Namespace) -> int:
    from monitor.analyst.serve import serve

    config = load_config(args.config)
    serve(config.monitor.database, config.monitor.timezone, port=args.port)
    return 0


def _schema(commands) -> None:
    command = add_command(
        commands, "schema",
        "Write JSON Schemas of monitor.yaml, sources.yaml and rule files, for completion and checks in an editor "
        "(see docs/editing-yaml.md).",
        "python run_monitor.py schema --output config/schema", _run_schema,
    )
    command.add_argument("--output", type=Path, metavar="DIR", help="folder to write into (default: the shipped config/schema/)")


def _run_schema(args: argparse.Namespace) -> int:
    from monitor.analyst.schema import SHIPPED, write_schemas

    for path in write_schemas(args.output or SHIPPED):
        print(path)
    return 0
