"""Where the findings sit in a text that keeps changing, and which one the next/previous key goes to.

Pure (no Textual), so the editor's highlights and the screen's navigation share one tested implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from reviewer.text import diff_window

__all__ = ["Mark", "carry_marks", "diff_window"]


@dataclass(frozen=True)
class Mark:
    """Where one finding sits in the editor's current text (character offsets)."""

    index: int
    """Index into the findings of the review the mark came from."""
    start: int
    end: int
    severity: str


def carry_marks(marks: Sequence[Mark], old: str, new: str) -> list[Mark]:
    """Marks moved from `old` to `new`: kept before the change, shifted after it, dropped where it touched them."""
    if old == new:
        return list(marks)
    start, old_end, new_end = diff_window(old, new)
    shift = new_end - old_end
    kept: list[Mark] = []
    for mark in marks:
        if mark.end <= start:
            kept.append(mark)
        elif mark.start >= old_end:
            kept.append(replace(mark, start=mark.start + shift, end=mark.end + shift))
    return kept


def step_to(marks: Sequence[Mark], here: int, *, selected: bool, direction: int) -> Mark | None:
    """The mark Ctrl+N (direction +1) or Shift+F8 (-1) goes to from offset `here`, wrapping round; None if none.

    A phrase that starts at the cursor counts as next unless it is already selected (then the one after it).
    """
    ordered = sorted(marks, key=lambda m: (m.start, m.end))
    if not ordered:
        return None
    if direction > 0:
        after = [m for m in ordered if m.start > here or (m.start == here and not selected)]
        return after[0] if after else ordered[0]
    before = [m for m in ordered if m.start < here]
    return before[-1] if before else ordered[-1]
