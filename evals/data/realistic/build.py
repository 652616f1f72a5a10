"""Build the realistic splits from the corpus and the independent raters' labels.

    python evals/data/realistic/build.py

Reads corpus.jsonl (faithful paraphrases of public messages, with their source addresses) and labels/*.jsonl (one
file per rater pass, each line {"id", "rater", "scores", "verdict", "spans"}), and writes:
- dev.jsonl / test.jsonl: gold = the mean of the raters' scores; gold verdict = the raters' verdict when they agree,
  else "revise" (a disagreement means the draft deserves a second look, neither a clean pass nor a block); gold spans
  = every phrase any rater marked, resolved to offsets (a phrase one careful reader flags is a real problem);
- agreement.json: inter-rater agreement per dimension (Spearman, exact and within-1 agreement, verdict agreement,
  span F1 of one rater against the other).
- sources.tsv: each message's id, site and address.
Ids marked `drop` in near_duplicates.tsv (a second paraphrase of a message already in the corpus) are left out.
The split is by source site (a hash of it), never by message, so the test split's writers and sites are unseen by
anything fitted on dev. Nothing here is tuned: it only aggregates.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from evals.metrics import spearman  # noqa: E402

DIMENSIONS = ("transparency", "empathy", "accountability", "solutions", "limited_excuses", "overall")
TEST_SHARE = 50
"""Percent of source sites that go to the test split."""


def split_of(site: str) -> str:
    return "test" if int(hashlib.sha256(site.encode()).hexdigest(), 16) % 100 < TEST_SHARE else "dev"


def spans_for(text: str, quote: str) -> list[tuple[int, int]]:
    quote = quote.strip()
    if not quote:
        return []
    pattern = r"(?<!\w)" + re.escape(quote) + r"(?!\w)"
    found = [m.span() for m in re.finditer(pattern, text)]
    return found or [m.span() for m in re.finditer(re.escape(quote), text)]


def merge_verdicts(verdicts: list[str]) -> str:
    return verdicts[0] if len(set(verdicts)) == 1 else "revise"


def span_f1(a: set[tuple[str, int, int]], b: set[tuple[str, int, int]]) -> tuple[int, int, int]:
    """Overlap matches of same-family spans: (matched in a, len a, len b)."""
    hit = sum(1 for fa, sa, ea in a if any(fa == fb and sa < eb and sb < ea for fb, sb, eb in b))
    return hit, len(a), len(b)


def main() -> int:
    corpus = {}
    for line in (HERE / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            corpus[row["id"]] = row
    labels: dict[str, list[dict]] = defaultdict(list)
    for path in sorted((HERE / "labels").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                label = json.loads(line)
                label.setdefault("rater", path.stem)
                labels[label["id"]].append(label)
    unknown = sorted(set(labels) - set(corpus))
    if unknown:
        print(f"build: labels for unknown ids: {', '.join(unknown[:5])}", file=sys.stderr)
        return 1
    splits: dict[str, list[dict]] = {"dev": [], "test": []}
    pairs: dict[str, tuple[list[float], list[float]]] = {d: ([], []) for d in DIMENSIONS}
    exact: dict[str, int] = defaultdict(int)
    within: dict[str, int] = defaultdict(int)
    verdict_agree = 0
    span_hits = [0, 0, 0, 0]
    unresolved = 0
    rated = 0
    dropped = {
        cells[0]
        for cells in (line.split("\t") for line in (HERE / "near_duplicates.tsv").read_text("utf-8").splitlines())
        if len(cells) == 3 and cells[2] == "drop"
    }
    for mid, row in corpus.items():
        found = labels.get(mid, [])
        if mid in dropped:
            continue
        if len(found) < 2:
            continue
        first, second = found[0], found[1]
        rated += 1
        for dim in DIMENSIONS:
            a, b = float(first["scores"][dim]), float(second["scores"][dim])
            pairs[dim][0].append(a)
            pairs[dim][1].append(b)
            exact[dim] += a == b
            within[dim] += abs(a - b) <= 1
        verdict_agree += first["verdict"] == second["verdict"]
        text = row["text"]
        per_rater: list[set[tuple[str, int, int]]] = []
        for label in found:
            marked: set[tuple[str, int, int]] = set()
            for span in label.get("spans", []):
                located = spans_for(text, span.get("quote", ""))
                unresolved += not located
                marked.update((span["family"], s, e) for s, e in located)
            per_rater.append(marked)
        h1, n1, _ = span_f1(per_rater[0], per_rater[1])
        h2, n2, _ = span_f1(per_rater[1], per_rater[0])
        span_hits[0] += h1
        span_hits[1] += n1
        span_hits[2] += h2
        span_hits[3] += n2
        union = sorted(set().union(*per_rater), key=lambda s: (s[1], s[0], s[2]))
        gold = {d: round(sum(float(lab["scores"][d]) for lab in found) / len(found), 2) for d in DIMENSIONS}
        splits[split_of(row["source_site"])].append(
            {
                "id": mid,
                "source_site": row["source_site"],
                "situation": row["situation"],
                "kind": row.get("kind", ""),
                "quality": "",
                "text": text,
                "gold": gold,
                "verdict": merge_verdicts([lab["verdict"] for lab in found]),
                "raters": [{"scores": lab["scores"], "verdict": lab["verdict"]} for lab in found],
                "spans": [{"family": f, "start": s, "end": e, "quote": text[s:e]} for f, s, e in union],
            }
        )
    for name, rows in splits.items():
        rows.sort(key=lambda r: r["id"])
        with (HERE / f"{name}.jsonl").open("w", encoding="utf-8") as out:
            for r in rows:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"{name}: {len(rows)} messages from {len({r['source_site'] for r in rows})} sites")
    precision = span_hits[0] / span_hits[1] if span_hits[1] else float("nan")
    recall = span_hits[2] / span_hits[3] if span_hits[3] else float("nan")
    agreement = {
        "messages": rated,
        "dimensions": {
            d: {
                "spearman": round(spearman(*pairs[d]), 3),
                "exact": round(exact[d] / rated, 3),
                "within_1": round(within[d] / rated, 3),
            }
            for d in DIMENSIONS
        },
        "verdict_agreement": round(verdict_agree / rated, 3),
        "span_f1_between_raters": round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0,
        "unresolved_quotes": unresolved,
    }
    (HERE / "agreement.json").write_text(json.dumps(agreement, indent=2) + "\n", encoding="utf-8")
    with (HERE / "sources.tsv").open("w", encoding="utf-8") as out:
        out.write("id\tsite\tsource\tkind\n")
        for mid, row in sorted(corpus.items()):
            out.write(f"{mid}\t{row['source_site']}\t{row['source_url']}\t{row.get('kind', '')}\n")
    print(json.dumps(agreement, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
