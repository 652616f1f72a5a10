"""Precision and recall of the fact check (`reviewer.facts.compare_facts`) on the labelled rewrite pairs.

A pair is flagged when the check reports any dropped or added fact. Precision: of the flagged pairs, the share whose
facts really changed; recall: of the pairs whose facts really changed, the share flagged. Run
`python -m evals.facts.measure` for the figures and every miss.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from evals.facts.pairs import load_pairs
from reviewer.facts import compare_facts


def fact_check_figures(pairs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts, precision, recall, and the ids of false alarms and misses."""
    false_alarms: list[str] = []
    misses: list[str] = []
    true_flags = 0
    for pair in pairs:
        flagged = bool(compare_facts(pair["draft"], pair["rewrite"]))
        if flagged and pair["changed"]:
            true_flags += 1
        elif flagged:
            false_alarms.append(pair["id"])
        elif pair["changed"]:
            misses.append(pair["id"])
    flagged_n = true_flags + len(false_alarms)
    changed_n = true_flags + len(misses)
    return {
        "pairs": len(pairs),
        "changed": changed_n,
        "flagged": flagged_n,
        "precision": true_flags / flagged_n if flagged_n else 1.0,
        "recall": true_flags / changed_n if changed_n else 1.0,
        "false_alarms": false_alarms,
        "misses": misses,
    }


def main() -> None:
    pairs = load_pairs()
    figures = fact_check_figures(pairs)
    by_id = {p["id"]: p for p in pairs}
    print(json.dumps({k: v for k, v in figures.items() if not isinstance(v, list)}, indent=2))
    for label in ("false_alarms", "misses"):
        for pid in figures[label]:
            pair = by_id[pid]
            changes = [(c.change, c.kind, c.value) for c in compare_facts(pair["draft"], pair["rewrite"])]
            print(f"{label[:-1]}: {pid} ({pair['how']}) {changes}")


if __name__ == "__main__":
    main()
