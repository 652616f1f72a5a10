"""Benchmark the rules engine and `candor check` (figures, not assertions).

Prints: per-review time for drafts of about 150, 300 and 500 words (best of several rounds, so other load on the
machine matters less), the share of each stage, proselint's time on the same 150 words if proselint is installed,
and the wall time of `candor check` as a fresh process.
Usage: python benchmarks/bench_rules.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reviewer.engines.rules import find_cues, run_checks  # noqa: E402
from reviewer.facts import extract_facts  # noqa: E402
from reviewer.models import Message  # noqa: E402
from reviewer.rewrite import scaffold_rewrite  # noqa: E402
from reviewer.service import Reviewer  # noqa: E402
from reviewer.text import profile, sentences  # noqa: E402


def best_ms(fn: Callable[[int], object], rounds: int = 7, per_round: int = 40) -> float:
    """Best mean over several rounds; each call gets fresh text so no cache answers it."""
    results = []
    counter = 0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            counter += 1
            fn(counter)
        results.append((time.perf_counter() - start) / per_round * 1000)
    return min(results)


def draft_of(words: int) -> str:
    texts = [json.loads(line)["text"] for line in (ROOT / "evals/data/dev.jsonl").read_text().splitlines()]
    texts.sort(key=lambda t: -len(t.split()))
    out = ""
    for text in texts:
        if len(out.split()) >= words:
            break
        out += text + "\n\n"
    return " ".join(out.split(" ")[: words + out.count("\n")])


def main() -> None:
    reviewer = Reviewer()
    rubric = reviewer.rubric
    print("rules engine, best of 7 rounds (ms per review)")
    for words in (150, 300, 500):
        text = draft_of(words)
        ms = best_ms(lambda i, t=text: reviewer.review(Message(text=f"{t} {i}")))
        print(f"  {len(text.split()):4d} words (several messages joined): {ms:7.3f} ms")
    real = [
        json.loads(line)["text"]
        for split in ("dev", "test")
        for line in (ROOT / f"evals/data/{split}.jsonl").read_text().splitlines()
    ]
    real = [t for t in real if 280 <= len(t.split()) <= 350]
    times = [best_ms(lambda i, t=t: reviewer.review(Message(text=f"{t} {i}")), rounds=5) for t in real]
    print(
        f"  {len(real)} real messages of 280-350 words: median {statistics.median(times):.3f} ms, "
        f"max {max(times):.3f} ms"
    )
    text = draft_of(300)
    news = profile(text, rubric.lexicon.news)
    found = find_cues(text, rubric, news)
    _, missing, _ = run_checks(text, rubric, news, found)
    stages = {
        "sentences": lambda i: (sentences.cache_clear(), sentences(f"{text} {i}")),
        "profile": lambda i: profile(f"{text} {i}", rubric.lexicon.news),
        "find_cues": lambda i: find_cues(f"{text} {i}", rubric, news),
        "run_checks": lambda i: run_checks(f"{text} {i}", rubric, news, found),
        "facts": lambda i: extract_facts(f"{text} {i}"),
        "rewrite": lambda i: scaffold_rewrite(Message(text=f"{text} {i}"), rubric.lexicon, found, missing),
    }
    print("stages for 300 words (ms)")
    for name, fn in stages.items():
        print(f"  {name:<11} {best_ms(fn):7.3f}")

    try:
        import proselint.tools  # type: ignore[import-not-found]

        short = draft_of(150)
        lint = getattr(proselint.tools, "lint", None)
        if lint is None:  # proselint 0.16: checks are registered first, as its command line does
            from proselint.checks import __register__
            from proselint.registry import CheckRegistry

            CheckRegistry().register_many(__register__)
            lint = lambda text: proselint.tools.LintFile("<draft>", text).lint()  # noqa: E731
        ms = best_ms(lambda i: lint(f"{short} {i}"), rounds=3, per_round=5)
        ours = best_ms(lambda i: reviewer.review(Message(text=f"{short} {i}")))
        print(f"proselint, 150 words: {ms:.3f} ms; candor rules: {ours:.3f} ms; ratio {ms / ours:.1f}x")
    except ImportError:
        print("proselint not installed: skipping the comparison (pip install proselint)")

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(draft_of(300))
    candor = Path(sys.executable).with_name("candor")
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([str(candor), "check", handle.name, "--format", "json"], capture_output=True, check=False)
        runs.append(time.perf_counter() - start)
    print(
        f"`candor check` (300 words, fresh process): median {statistics.median(runs) * 1000:.0f} ms, "
        f"best {min(runs) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
