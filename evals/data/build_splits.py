"""Build evals/data/{dev,test}.jsonl from the hand-written raw files: resolve span quotes to character offsets and
split stratified by (situation, quality), deterministically.

Run once after adding raw examples: `python evals/data/build_splits.py`. The split of an example depends only on
its id (a hash), its stratum and the ids in that stratum, so adding examples never moves existing ones across
more than their own stratum.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def spans_for(text: str, quote: str) -> list[tuple[int, int]]:
    pattern = r"(?<!\w)" + re.escape(quote) + r"(?!\w)"
    return [m.span() for m in re.finditer(pattern, text)]


def main() -> None:
    examples = []
    for path in sorted((HERE / "raw").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                examples.append(json.loads(line))
    strata: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for ex in examples:
        gold_spans = []
        for span in ex["spans"]:
            for start, end in spans_for(ex["text"], span["quote"]):
                gold_spans.append({"family": span["family"], "start": start, "end": end, "quote": span["quote"]})
        ex["spans"] = sorted(gold_spans, key=lambda s: (s["start"], s["family"]))
        strata[(ex["situation"], ex["quality"])].append(ex)
    splits: dict[str, list[dict]] = {"dev": [], "test": []}
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda e: hashlib.sha256(e["id"].encode()).hexdigest())
        for i, ex in enumerate(members):
            splits["dev" if i % 2 == 0 else "test"].append(ex)
    for name, rows in splits.items():
        rows.sort(key=lambda e: e["id"])
        with (HERE / f"{name}.jsonl").open("w", encoding="utf-8") as out:
            for ex in rows:
                out.write(json.dumps(ex, ensure_ascii=False) + "\n")
        print(f"{name}: {len(rows)} examples")


if __name__ == "__main__":
    main()
