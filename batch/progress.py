"""Progress while a batch runs and its summary at the end, on stderr (stdout stays free for data).

On a terminal: a live line (count, rate, failures so far) drawn by `rich`, which comes with Textual. Not on a
terminal (CI, a log file): one plain line a second at most. `--quiet`: nothing.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from batch.runner import Tally


def count_messages(sources: Sequence[str]) -> int:
    """About how many messages the sources hold, by a quick scan of bytes (no parsing), for the time left."""
    total = 0
    for source in sources:
        path = Path(source)
        files = [path] if not path.is_dir() else [Path(d, f) for d, _, names in os.walk(path) for f in names]
        for file in files:
            suffix = file.suffix.lower()
            try:
                if suffix in (".jsonl", ".ndjson"):
                    with file.open("rb") as stream:
                        total += sum(1 for line in stream if line.strip())
                elif suffix == ".csv":
                    with file.open("rb") as stream:
                        total += max(0, sum(1 for _ in stream) - 1)
                elif suffix in (".mbox", ".mbx"):
                    with file.open("rb") as stream:
                        total += sum(1 for line in stream if line.startswith(b"From "))
                elif suffix in (".txt", ".md", ".markdown", ".text", ".eml", ".msg822") or source == "-":
                    total += 1
            except OSError:
                total += 1
    return total


def _counts(tally: Tally) -> tuple[int, int, int]:
    return tally.done, tally.failed, tally.skipped


class Progress:
    def __init__(self, *, quiet: bool, stream: TextIO, sources: Sequence[str] = ()) -> None:
        self.quiet = quiet
        self.stream = stream
        self.last = 0.0
        self.printed: tuple[int, int, int] | None = None
        """The counts in the last plain line written (None: none written yet)."""
        self.latest: Tally | None = None
        self.live: Any = None
        self.bar: Any = None
        self.task: Any = None
        if not quiet and stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(
                TextColumn("candor batch"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}/s, {task.fields[failed]} failed"),
                TimeRemainingColumn(),
                console=Console(file=stream),
                transient=True,
            )
            self.task = self.bar.add_task("batch", total=None, rate="0", failed=0)
            self.bar.start()
            # The total only feeds "time left": counted beside the run, never in its way.
            threading.Thread(target=self._count, args=(list(sources),), daemon=True).start()

    def _count(self, sources: list[str]) -> None:
        total = count_messages(sources)
        if self.bar is not None:
            self.bar.update(self.task, total=total)

    def line(self, tally: Tally) -> str:
        elapsed = max(time.monotonic() - tally.started, 1e-9)
        rate = tally.done / elapsed
        return (
            f"candor batch: so far {tally.reviewed:,} reviewed, {tally.failed:,} failed, "
            f"{tally.skipped:,} skipped (already recorded), {rate:,.0f}/s"
        )

    def update(self, tally: Tally) -> None:
        if self.quiet:
            return
        self.latest = tally
        if self.bar is not None:
            elapsed = max(time.monotonic() - tally.started, 1e-9)
            self.bar.update(
                self.task,
                completed=tally.done + tally.skipped,
                rate=f"{tally.done / elapsed:,.0f}",
                failed=tally.failed,
            )
            return
        now = time.monotonic()
        if now - self.last >= 1.0:
            self.last = now
            self.printed = _counts(tally)
            self.stream.write(self.line(tally) + "\n")
            self.stream.flush()

    def close(self) -> None:
        """Stop the bar; in a log, end with the counts as they finally are, so its last progress line never
        disagrees with the summary after it (a line is printed at most once a second, so the last one is stale)."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
        elif (tally := self.latest) is not None and self.printed not in (None, _counts(tally)):
            self.printed = _counts(tally)
            self.stream.write(self.line(tally) + "\n")
            self.stream.flush()

    @staticmethod
    def summary(tally: Tally, *, out: str) -> str:
        elapsed = time.monotonic() - tally.started
        verdicts = ", ".join(f"{tally.verdicts[v]:,} {v}" for v in ("send", "revise", "block") if tally.verdicts[v])
        lines = [
            f"candor batch: {tally.reviewed:,} reviewed, {tally.skipped:,} skipped (already recorded), "
            f"{tally.failed:,} failed, {tally.cached:,} from the cache, in {elapsed:.1f}s",
            f"  whole batch: {verdicts or 'no verdicts'}; "
            f"{sum(tally.error_codes.values()):,} not reviewed (see the errors file or table)",
        ]
        if tally.prompt_tokens or tally.completion_tokens:
            cost = f", about ${tally.cost_usd:.2f}" if tally.cost_usd else ""
            lines.append(f"  tokens: {tally.prompt_tokens:,} in, {tally.completion_tokens:,} out{cost}")
        lines.append(f"  results: {out}")
        return "\n".join(lines) + "\n"
