"""Messages that carry results from workers (and choices from widgets) back to the review screen.

Workers never touch widgets: they post one of these, and the screen, on the UI thread, hands the result to its
controller (`LiveReview`, `DeepReviewRunner`), which drops a result that a newer request has already overtaken.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.deep_review import DeepOutcome
from tui.live_review import LiveResult


@dataclass
class LiveReviewed(Message):
    """A live rules review finished (or failed; the draft is untouched and the last scores stay)."""

    result: LiveResult


@dataclass
class DeepReviewEnded(Message):
    """The deep (model) review finished, failed, or found no model configured."""

    outcome: DeepOutcome


@dataclass
class FindingChosen(Message):
    """The user picked a finding in the list: move the editor's cursor to its phrase."""

    index: int
    """Index into the current review's findings."""
    focus_editor: bool
