"""How fast the TUI feels, on a 500-word draft: figures to watch, not a pass/fail test.

    .venv/bin/python benchmarks/bench_tui.py

Prints: import time of the TUI, time to first paint and to the first scores (headless, 120x40), the latency of a
re-review once typing pauses (median and worst of 20 edits, from the edit to the new scores on screen, with the
pause set to zero so it is not counted), and the cost
of one keystroke in the editor (the edit plus carrying and repainting the finding highlights). Targets from issue 5:
first paint under 1 s, scores within 100 ms of the pause, typing never behind the keys.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PARAGRAPHS = [
    "Quick update on the reporting dashboard. Unfortunately there has been a slight delay. Due to our vendor's "
    "late API changes, the integration took longer than planned, and the data team also had to rework the export "
    "jobs, which meant the testing window was squeezed. The deadline was missed.",
    "We apologize for any inconvenience this may have caused. We are working hard on it and will have it ready "
    "ASAP. The new export jobs are running in staging and the first results look right to us.",
    "On the budget side, the extra integration work adds about 40 hours. We will send a revised estimate by "
    "Friday, and Priya will own the follow-up with your finance team until the change request is signed.",
    "In the meantime the old weekly report keeps running, so your Monday review is not affected. If it helps, "
    "we can walk your team through the new dashboard on a short call next week.",
]


def draft_of(words: int) -> str:
    body: list[str] = []
    while sum(len(p.split()) for p in body) < words:
        body.append(PARAGRAPHS[len(body) % len(PARAGRAPHS)])
    return "Hi Dana,\n\n" + "\n\n".join(body) + "\n\nBest,\nSam"


def import_time() -> float:
    code = "import time; t = time.perf_counter(); import tui.app; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout.strip())


async def measure(text: str) -> dict[str, float | list[float]]:
    from reviewer.config import Settings
    from reviewer.service import Reviewer
    from tui.app import make_app

    reviewer = Reviewer(Settings())
    started = time.perf_counter()
    app = make_app(reviewer=reviewer, text=text, review_delay=0.0)
    figures: dict[str, float | list[float]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        figures["first_paint"] = time.perf_counter() - started
        screen = app.review_screen
        while screen.review is None or screen.review_pending:
            await asyncio.sleep(0.001)
        figures["first_scores"] = time.perf_counter() - started
        figures["findings"] = float(len(screen.review.findings))

        latencies: list[float] = []
        editor = screen.editor
        for i in range(20):
            editor.move_cursor(editor.document.end)
            requested = screen.generation
            edited = time.perf_counter()
            editor.insert(f" more{i}")
            while screen.generation == requested or screen.review_pending:
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - edited)
        figures["re_review"] = latencies

        keystrokes: list[float] = []
        screen.review_delay = 60.0  # keep reviews out of the way: this measures the editor alone
        for _ in range(200):
            begin = time.perf_counter()
            editor.insert("x")
            keystrokes.append(time.perf_counter() - begin)
        figures["keystroke"] = keystrokes
        await pilot.pause()
    return figures


def main() -> None:
    text = draft_of(500)
    print(f"draft: {len(text.split())} words, {len(text):,} characters")
    imported = import_time()
    print(f"import tui.app (fresh interpreter): {imported * 1000:7.1f} ms")
    figures = asyncio.run(measure(text))
    print(f"first paint (make_app to mounted):  {float(figures['first_paint']) * 1000:7.1f} ms")
    print(f"  import + first paint:             {(imported + float(figures['first_paint'])) * 1000:7.1f} ms"
          "   target < 1000 ms")
    print(f"first scores on screen:             {float(figures['first_scores']) * 1000:7.1f} ms   "
          f"({int(float(figures['findings']))} findings)")
    re_review = figures["re_review"]
    assert isinstance(re_review, list)
    print(f"re-review after the pause: median   {statistics.median(re_review) * 1000:7.1f} ms   target < 100 ms")
    print(f"                           worst    {max(re_review) * 1000:7.1f} ms")
    keystroke = figures["keystroke"]
    assert isinstance(keystroke, list)
    print(f"one keystroke in the editor: median {statistics.median(keystroke) * 1000:7.2f} ms, "
          f"worst {max(keystroke) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
