"""Benchmark the adversarial inputs of issue 13 against item 25's target: every review of input within the limits
finishes in under 1 s on the rules engine (figures, not assertions; the tests only watch for hangs).

Prints, for each input, the best of a few rounds (other load on this shared machine matters less that way):
- a warm rules review of each 50,000-character adversarial draft (8-28 s before the fixes);
- `candor check` (in process) on the mails Python's email parser is slow on, and on a 1.3 MB encoded Subject;
- the fact check of a model rewrite of 216 KB and 1 MB (20 s and about 8 minutes before it was made linear).

Usage: python benchmarks/bench_limits.py [--rounds N]; `python benchmarks/run.py` includes it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewer.cli import main as candor  # noqa: E402
from reviewer.facts import compare_facts, extract_facts  # noqa: E402
from reviewer.service import Reviewer  # noqa: E402
from tests.hardening.adversarial import HUGE_SUBJECT, RULES_DRAFTS, SLOW_MAIL, long_rewrite  # noqa: E402

TARGET_S = 1.0


def best_of(rounds: int, run: Callable[[], object], reset: Callable[[], object] = lambda: None) -> float:
    times = []
    for _ in range(rounds):
        reset()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def check_in_process(path: Path) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return candor(["check", str(path), "--format", "json"])


def bench_limits(rounds: int = 3) -> dict[str, Any]:
    """Seconds per adversarial input, by group and name."""
    reviewer = Reviewer()
    reviewer.review_text("Hi Tom, sorry.")  # warm: rubric, patterns, scorer
    results: dict[str, Any] = {"rules review, 49,000 chars": {}, "candor check on a mail": {}, "fact check": {}}
    for name, draft in RULES_DRAFTS.items():
        results["rules review, 49,000 chars"][name] = best_of(rounds, lambda d=draft: reviewer.review_text(d))
    with tempfile.TemporaryDirectory() as tmp:
        mails = {name: data for name, (data, _) in SLOW_MAIL.items()} | {"1.3 MB subject": HUGE_SUBJECT}
        for name, data in mails.items():
            path = Path(tmp) / f"{name}.eml"
            path.write_bytes(data)
            results["candor check on a mail"][name] = best_of(rounds, lambda p=path: check_in_process(p))
    for size in (216_000, 1_000_000):
        rewrite = long_rewrite(size)
        changed = rewrite.replace("Tom", "Sam")
        results["fact check"][f"{size // 1000:,} KB rewrite"] = best_of(
            max(1, rounds - 1), lambda r=rewrite, c=changed: compare_facts(r, c), extract_facts.cache_clear
        )
    return results


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, measured, target, comparison) rows for benchmarks/run.py's table."""
    out = []
    for group, timings in results.items():
        for name, seconds in timings.items():
            within = "fact check is bounded by the reply cap, not item 25" if group == "fact check" else ""
            verdict = "within" if seconds < TARGET_S else "OVER"
            out.append((f"{group}: {name}", f"{seconds:.2f} s", f"< {TARGET_S:.0f} s", within or verdict))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description="Time each adversarial input of issue 13 against the 1 s target.")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    table = rows(bench_limits(args.rounds))
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    print(f"{'input':<{widths[0]}}  {'best':<{widths[1]}}  {'target':<{widths[2]}}")
    for row in table:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
