"""Phrase-level recall and false alarms of each rule family on evals/data/cue_challenge.jsonl.

The challenge set (270 phrases that should fire, 120 look-alikes that should not) was written independently of the
rules and of the labelled messages, to broaden the cues without tuning on the test split.
Usage: python -m evals.challenge [--show-misses]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from reviewer.service import Reviewer

PATH = Path(__file__).resolve().parent / "data" / "cue_challenge.jsonl"


def score(show: bool = False) -> dict[str, dict[str, float]]:
    reviewer = Reviewer()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in PATH.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        family, text = case["family"], case["text"]
        review = reviewer.review_text(text)
        hits = [f for f in review.findings if f.family == family]
        if case["polarity"] == "fire":
            start = text.index(case["quote"])
            end = start + len(case["quote"])
            caught = any(f.start < end and start < f.end for f in hits)
            counts[family]["fire"] += 1
            counts[family]["caught"] += caught
            if show and not caught:
                print(f"MISS {family}: {text}  [{case['quote']}]")
        else:
            counts[family]["quiet"] += 1
            counts[family]["false_alarms"] += bool(hits)
            if show and hits:
                print(f"FALSE {family}: {text}  {[f.quote for f in hits]}")
    return {
        family: {"recall": c["caught"] / c["fire"], "false_alarm_rate": c["false_alarms"] / c["quiet"]}
        for family, c in sorted(counts.items())
    }


if __name__ == "__main__":
    for family, figures in score("--show-misses" in sys.argv).items():
        print(f"{family:<18} recall {figures['recall']:.2f}  false alarms {figures['false_alarm_rate']:.2f}")
