"""Progress while a batch runs and its summary at the end, on stderr (stdout stays free for data).

On a terminal: a live line (count, rate, failures so far) drawn by `rich`, which comes with Textual. Not on a
terminal (CI, a log file): one plain line a second at most. `--quiet`: nothing.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from batch.runner import Tally


class Progress:
    def __init__(self, *, quiet: bool, stream: TextIO) -> None:
        self.quiet = quiet
        self.stream = stream
        self.last = 0.0
        self.live: Any = None
        if not quiet and stream.isatty():
            from rich.console import Console
            from rich.live import Live

            self.live = Live("", console=Console(file=stream), refresh_per_second=4, transient=True)
            self.live.start()

    def line(self, tally: Tally) -> str:
        elapsed = max(time.monotonic() - tally.started, 1e-9)
        rate = tally.done / elapsed
        return (
            f"candor batch: {tally.done:,} done this run ({tally.failed:,} failed), "
            f"{tally.skipped:,} already done, {rate:,.0f}/s"
        )

    def update(self, tally: Tally) -> None:
        if self.quiet:
            return
        if self.live is not None:
            self.live.update(self.line(tally))
            return
        now = time.monotonic()
        if now - self.last >= 1.0:
            self.last = now
            self.stream.write(self.line(tally) + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

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
