"""Check the collected corpus (evals/data/realistic/corpus.jsonl): keys, situations, paraphrase length within 15%
of the original, at most 8 messages per page and 15 per site, nothing from a reserved source, no duplicates.

Usage: python evals/data/realistic/check_corpus.py [CORPUS.jsonl ...] [--reserved FILE]
Prints one line per problem; exit 1 if any.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITUATIONS = {
    "missed_deadline", "delay", "new_risk", "budget_overrun", "scope_change", "outage", "mistake_apology",
    "status_update", "angry_client_reply", "good_news",
}  # fmt: skip
KEYS = ("id", "source_url", "source_site", "situation", "kind", "original_words", "text", "paraphrase_words")


def normal_url(url: str) -> str:
    """Compare addresses loosely: scheme, www, archive.org prefix and trailing slash do not matter."""
    url = re.sub(r"^https?://web\.archive\.org/web/\d+/", "", url.strip())
    url = re.sub(r"^https?:/+", "", url)
    url = re.sub(r"^www\.", "", url)
    return url.rstrip("/").lower()


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


def known_near_duplicates() -> set[str]:
    """Ids already listed in near_duplicates.tsv (dropped from the splits, or kept in test as measured)."""
    path = HERE / "near_duplicates.tsv"
    if not path.is_file():
        return set()
    lines = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    return {cells[0] for cells in lines[1:] if len(cells) == 3 and not cells[0].startswith("#")}


def near_duplicates(rows: list[dict]) -> list[str]:
    """Two paraphrases of the same message from one page (two collectors reached it): their words overlap far more
    than two different messages of one page do."""
    by_page: dict[str, list[dict]] = {}
    for row in rows:
        if "source_url" in row and "text" in row:
            by_page.setdefault(normal_url(row["source_url"]), []).append(row)
    problems = []
    known = known_near_duplicates()
    for page_rows in by_page.values():
        for i, a in enumerate(page_rows):
            for b in page_rows[i + 1 :]:
                wa, wb = _words(a["text"]), _words(b["text"])
                if wa and wb and len(wa & wb) / len(wa | wb) > 0.6 and b.get("id") not in known:
                    problems.append(f"{b.get('id', '?')}: the same message as {a.get('id', '?')} (near duplicate)")
    return problems


def check(rows: list[dict], reserved: set[str]) -> list[str]:
    problems = []
    per_page: Counter[str] = Counter()
    per_site: Counter[str] = Counter()
    seen_ids: set[str] = set()
    seen_text: set[str] = set()
    for row in rows:
        where = row.get("id", "?")
        missing = [k for k in KEYS if k not in row]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        if where in seen_ids:
            problems.append(f"{where}: duplicate id")
        seen_ids.add(where)
        key = " ".join(row["text"].lower().split())
        if key in seen_text:
            problems.append(f"{where}: duplicate text")
        seen_text.add(key)
        if row["situation"] not in SITUATIONS:
            problems.append(f"{where}: unknown situation {row['situation']!r}")
        words = len(row["text"].split())
        original = int(row["original_words"] or 0)
        if original and abs(words - original) > 0.15 * original + 2:
            problems.append(f"{where}: {words} words against {original} in the original (over 15%)")
        if not 20 <= words <= 450:
            problems.append(f"{where}: {words} words")
        if normal_url(row["source_url"]) in reserved:
            problems.append(f"{where}: reserved source {row['source_url']}")
        per_page[normal_url(row["source_url"])] += 1
        per_site[row["source_site"]] += 1
    problems += near_duplicates(rows)
    problems += [f"page {p}: {n} messages (at most 8)" for p, n in per_page.items() if n > 8]
    problems += [f"site {s}: {n} messages (at most 15)" for s, n in per_site.items() if n > 15]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", type=Path, default=[HERE / "corpus.jsonl"])
    parser.add_argument("--reserved", type=Path, default=HERE.parents[3] / ".." / "shared" / "reserved-sources.txt")
    args = parser.parse_args()
    reserved = set()
    if args.reserved.is_file():
        lines = args.reserved.read_text(encoding="utf-8").splitlines()
        reserved = {normal_url(line) for line in lines if line.strip() and not line.startswith("#")}
    rows = [json.loads(line) for path in args.files for line in path.read_text(encoding="utf-8").splitlines() if line]
    problems = check(rows, reserved)
    for line in problems:
        print(line)
    sites = len({r.get("source_site") for r in rows})
    print(f"{len(rows)} messages from {sites} sites; {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
