"""Precision and recall of the default rule pack on the labelled corpus.

    python benchmarks/rules_accuracy.py [--config DIR] [--corpus FILE] [--errors]

An item counts as flagged when any enabled rule hits it. Figures are printed
for the dev split (the one rules may be tuned on), the test split (held out)
and both together, overall, per topic and per rule. --errors lists the dev
items the pack gets wrong; test items are never listed, to keep them held out.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from monitor.config.loader import DEFAULT_CONFIG_DIR, load_config
from monitor.rules.engine import Document, Matcher, compile_rules

CORPUS = Path(__file__).resolve().parent / "corpus" / "labelled.jsonl"


@dataclass(frozen=True)
class Outcome:
    id: str
    split: str
    topic: str
    lang: str
    relevant: bool
    rules: tuple[str, ...]
    title: str

    @property
    def flagged(self) -> bool:
        return bool(self.rules)


def classify(matcher: Matcher, corpus: Path) -> list[Outcome]:
    outcomes = []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        document = Document(item["title"], item["text"], language=item.get("lang", ""))
        rules = tuple(hit.rule for hit in matcher.match(document))
        outcomes.append(Outcome(item["id"], item["split"], item["topic"], item.get("lang", ""), bool(item["relevant"]), rules, item["title"]))
    return outcomes


def precision_recall(outcomes: list[Outcome]) -> tuple[float, float, Counter]:
    counts = Counter(
        ("tp" if o.relevant else "fp") if o.flagged else ("fn" if o.relevant else "tn") for o in outcomes
    )
    precision = counts["tp"] / (counts["tp"] + counts["fp"]) if counts["tp"] + counts["fp"] else 1.0
    recall = counts["tp"] / (counts["tp"] + counts["fn"]) if counts["tp"] + counts["fn"] else 1.0
    return precision, recall, counts


def report(name: str, outcomes: list[Outcome]) -> None:
    precision, recall, counts = precision_recall(outcomes)
    print(f"\n== {name}: {len(outcomes)} items  precision {precision:.3f}  recall {recall:.3f}  "
          f"(tp {counts['tp']}, fp {counts['fp']}, fn {counts['fn']}, tn {counts['tn']})")
    by_topic: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_topic[outcome.topic].append(outcome)
    print(f"  {'topic':32} {'items':>5}  result")
    for topic, items in sorted(by_topic.items(), key=lambda pair: (not pair[1][0].relevant, pair[0])):
        flagged = sum(o.flagged for o in items)
        what = f"recall {flagged / len(items):.2f}" if items[0].relevant else f"false positives {flagged}"
        print(f"  {topic:32} {len(items):>5}  {what}")
    by_lang: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_lang[outcome.lang].append(outcome)
    print(f"  {'language':32} {'items':>5}  precision recall")
    for lang, items in sorted(by_lang.items()):
        p, r, _ = precision_recall(items)
        print(f"  {lang:32} {len(items):>5}  {p:.2f}      {r:.2f}")
    rule_hits: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        for rule in outcome.rules:
            rule_hits[rule].append(outcome)
    print(f"  {'rule':32} {'hits':>5}  precision  (relevant items hit only by this rule)")
    for rule, items in sorted(rule_hits.items()):
        right = sum(o.relevant for o in items)
        alone = sum(o.relevant and o.rules == (rule,) for o in items)
        print(f"  {rule:32} {len(items):>5}  {right / len(items):.2f}       ({alone})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_DIR)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--errors", action="store_true", help="list the dev items the pack gets wrong")
    args = parser.parse_args()
    matcher = compile_rules(load_config(args.config).rules)
    outcomes = classify(matcher, args.corpus)
    for split in ("dev", "test"):
        report(split, [o for o in outcomes if o.split == split])
    report("all", outcomes)
    if args.errors:
        print("\n== dev errors")
        for o in outcomes:
            if o.split == "dev" and o.flagged != o.relevant:
                print(f"  {'FN' if o.relevant else 'FP'} {o.id} [{o.lang}/{o.topic}] {o.title}  {list(o.rules)}")


if __name__ == "__main__":
    main()
