"""Write `reviewer/common_words.txt`: every word the project's own texts use in lower case.

A capitalised word at the start of a sentence ("We", "If", "While") is a name only when it is not an ordinary
word; ordinary means it occurs in lower case somewhere in the project's own examples or rubric, or is listed in
`evals/facts/ordinary_words.txt` (sentence adverbs such as "Sadly", written from general English). The realistic
corpus (messages written by others) is left out so that the fact check is measured on text it was not built from.
Run: `python -m evals.facts.build_words`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from reviewer.atomic import write_atomic

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "reviewer" / "common_words.txt"
LISTED = ROOT / "evals" / "facts" / "ordinary_words.txt"
_WORD = re.compile(r"\b[a-z][a-z'’-]*[a-z]\b|\b[a-z]\b")


def own_texts() -> list[str]:
    data = ROOT / "evals" / "data"
    texts = []
    for path in [
        data / "dev.jsonl",
        data / "test.jsonl",
        data / "cue_challenge.jsonl",
        *sorted((data / "raw").glob("*.jsonl")),
    ]:
        texts += [json.loads(line).get("text", "") for line in path.read_text(encoding="utf-8").splitlines() if line]
    for path in [*sorted((ROOT / "prompts").glob("*.md")), *sorted((ROOT / "prompts" / "rubric").glob("*.toml"))]:
        texts.append(path.read_text(encoding="utf-8"))
    return texts


def ordinary_words() -> str:
    """The list as `reviewer/common_words.txt` should hold it, one word a line."""
    found = {w.replace("’", "'") for text in own_texts() for w in _WORD.findall(text)}
    listed = LISTED.read_text(encoding="utf-8").splitlines()
    found |= {line.strip() for line in listed if line.strip() and not line.startswith("#")}
    return "\n".join(sorted(found)) + "\n"


def main() -> None:
    words = ordinary_words()
    write_atomic(OUT, words, mode=0o644)
    print(f"{words.count(chr(10))} words -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
