"""Validate hand-written raw example files (evals/data/raw/*.jsonl) before they are built into splits.

Usage: python evals/data/check_raw.py evals/data/raw/FILE.jsonl [...]
Prints one line per problem and exits 1 if there is any.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from evals.runner import SPAN_FAMILIES
from reviewer.models import SITUATIONS

DIMENSIONS = ("transparency", "empathy", "accountability", "solutions", "limited_excuses", "overall")
FAMILIES = set(SPAN_FAMILIES)
QUALITIES = {"poor", "mixed", "strong"}
VERDICTS = {"send", "revise", "block"}


def find_all(text: str, quote: str) -> list[int]:
    """Start offsets of every whole-word occurrence of quote in text."""
    pattern = r"(?<!\w)" + re.escape(quote) + r"(?!\w)"
    return [m.start() for m in re.finditer(pattern, text)]


def check(path: Path) -> list[str]:
    problems: list[str] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            ex = json.loads(line)
        except json.JSONDecodeError as err:
            problems.append(f"{where}: not JSON: {err}")
            continue
        where = f"{where} ({ex.get('id')})"
        for key in ("id", "situation", "voice", "quality", "text", "gold", "verdict", "spans"):
            if key not in ex:
                problems.append(f"{where}: missing key {key!r}")
        if problems and problems[-1].startswith(where + ": missing"):
            continue
        if ex["situation"] not in SITUATIONS:
            problems.append(f"{where}: unknown situation {ex['situation']!r}")
        if ex["quality"] not in QUALITIES:
            problems.append(f"{where}: unknown quality {ex['quality']!r}")
        if ex["verdict"] not in VERDICTS:
            problems.append(f"{where}: unknown verdict {ex['verdict']!r}")
        words = len(ex["text"].split())
        if not 40 <= words <= 350:
            problems.append(f"{where}: {words} words, want 40-350")
        for dim in DIMENSIONS:
            score = ex["gold"].get(dim)
            if not isinstance(score, int) or not 1 <= score <= 5:
                problems.append(f"{where}: gold.{dim} must be an int 1-5, got {score!r}")
        for span in ex["spans"]:
            if span.get("family") not in FAMILIES:
                problems.append(f"{where}: unknown span family {span.get('family')!r}")
            quote = span.get("quote", "")
            if not quote or not find_all(ex["text"], quote):
                problems.append(f"{where}: quote not found as whole words in text: {quote!r}")
    return problems


def main(argv: list[str]) -> int:
    problems = [p for arg in argv for p in check(Path(arg))]
    seen: dict[str, str] = {}
    for arg in argv:
        for line in Path(arg).read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    ident = json.loads(line).get("id")
                except json.JSONDecodeError:
                    continue
                if ident in seen:
                    problems.append(f"duplicate id {ident} in {arg} and {seen[ident]}")
                seen[ident] = arg
    for p in problems:
        print(p)
    print(f"{len(seen)} examples, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
