"""Prove a speed change changes no judgement: save every review of the dev splits, then compare after the change.

    .venv/bin/python benchmarks/judgement_snapshot.py save before.json    # before the change
    .venv/bin/python benchmarks/judgement_snapshot.py check before.json   # after it: exit 1 on any difference

What is saved, for every message of the two dev splits (realistic and the project's own), each with and without its
labelled situation: the whole review JSON of the rules engine (with its scaffold rewrite, which is reviewed too), the
`candor batch` result of the same record (`reviewer.batch.review_records`, without and with the rewrite), and the
`candor eval --split dev` figures of both data sets (every per-message score feeds them), and the `llm` and
`rules+llm` reviews of each message through a scripted backend that gives `benchmarks/bench_llm.py`'s canned reply
(so the rewrite check and the rules pass on top run, with nothing sent anywhere). The synthetic messages of
`benchmarks/run.py` (50 to 5,000 words) are reviewed too. Dev splits only: nothing here looks at a test split.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SPLITS = {"realistic": ROOT / "evals/data/realistic/dev.jsonl", "own": ROOT / "evals/data/dev.jsonl"}


def _messages() -> list[tuple[str, str, str | None]]:
    """(name, text, situation) of every message reviewed: each dev message without and with its situation."""
    from run import message

    out: list[tuple[str, str, str | None]] = []
    for data, path in SPLITS.items():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            row = json.loads(line)
            name = f"{data}:{row.get('id', n)}"
            out.append((name, row["text"], None))
            if row.get("situation"):
                out.append((f"{name}+situation", row["text"], row["situation"]))
    import random

    rng = random.Random(3)
    for words in (50, 200, 500, 5_000):
        out.append((f"synthetic:{words}", message(rng, words), None))
    return out


def _eval_figures(data: str) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, "-c", "import sys; from reviewer.cli import main; sys.exit(main(sys.argv[1:]))",
             "eval", "--data", data, "--split", "dev", "--format", "json", "--out", tmp],
            capture_output=True, text=True, check=False, cwd=ROOT,
        )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"candor eval --data {data} failed: {done.stderr.strip()[-400:]}")
    document = json.loads(done.stdout)
    document["meta"].pop("created", None)
    document["figures"].pop("timing", None)  # how long it took: the one figure meant to change
    return document


def snapshot() -> dict[str, Any]:
    from reviewer.batch import review_records
    from reviewer.config import Settings
    from reviewer.models import Message
    from reviewer.service import Reviewer

    settings = Settings().replace(cache=False)
    reviewer = Reviewer(settings)
    out: dict[str, Any] = {}
    for name, text, situation in _messages():
        review = reviewer.review(Message(text=text, situation=situation))
        record = {"key": name, "text": text, "situation": situation}
        out[f"review {name}"] = json.loads(review.model_dump_json())
        out[f"batch {name}"] = review_records([record], settings)[0]
        out[f"batch --rewrite {name}"] = review_records([record], settings, rewrite=True)[0]
    out.update(_llm_reviews())
    for data in SPLITS:
        out[f"eval {data}"] = _eval_figures(data)
    return out


def _llm_reviews() -> dict[str, Any]:
    from bench_llm import canned_reply

    from reviewer.config import Settings
    from reviewer.engines.llm_backend import ScriptedBackend
    from reviewer.engines.llm_stack import llm_engine
    from reviewer.errors import CandorError
    from reviewer.models import Message
    from reviewer.service import rubric_for

    settings = Settings(engine="llm", model="bench", base_url="http://127.0.0.1:9/v1", cache=False)
    rubric = rubric_for(settings)
    content = canned_reply(rubric)
    out: dict[str, Any] = {}
    for rules in (False, True):
        backend = ScriptedBackend(lambda request: content)
        engine = llm_engine(settings, rules=rules, backend=backend, cache=None, redact=False)
        for name, text, situation in _messages():
            key = f"{'rules+llm' if rules else 'llm'} {name}"
            try:
                review = json.loads(engine.review(Message(text=text, situation=situation), rubric).model_dump_json())
            except CandorError as err:  # over the token budget, say: the refusal is the outcome to compare
                out[key] = {"error": str(err)}
                continue
            review["usage"].pop("latency_ms", None)  # how long it took: meant to change
            out[key] = review
    return out


def _first_difference(a: Any, b: Any, where: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                return f"{where}.{key}: only in {'after' if key not in a else 'before'}"
            found = _first_difference(a[key], b[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} items before, {len(b)} after"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return None
    if a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)):
        return None
    return f"{where}: {a!r} before, {b!r} after"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("save", "check"):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: judgement_snapshot.py save|check FILE", file=sys.stderr)
        return 2
    action, path = argv[0], Path(argv[1])
    now = snapshot()
    if action == "save":
        path.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"saved {len(now)} reviews, batch results and eval documents to {path}")
        return 0
    before = json.loads(path.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(now))  # the same JSON round trip as what was saved
    differences = [d for key in sorted(set(before) | set(now)) if (d := _first_difference(
        before.get(key), now.get(key), key))]  # fmt: skip
    for line in differences[:20]:
        print(line)
    if differences:
        print(f"{len(differences)} of {len(before)} items differ")
        return 1
    print(f"identical: all {len(before)} reviews, batch results and eval documents")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
