"""Messages that carry results from workers (and choices from widgets) back to the review screen.

Workers never touch widgets: they post one of these, and the screen, on the UI thread, decides what to draw. A
generation number lets the screen drop a result that a newer request has already overtaken.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from reviewer.models import Message as ReviewRequest
from reviewer.models import Review


@dataclass
class ReviewReady(Message):
    """The live rules review of the draft finished."""

    review: Review
    generation: int
    request: ReviewRequest
    """What was reviewed (text, situation, client), to tell whether the review still matches the screen."""


@dataclass
class ReviewFailed(Message):
    """The live rules review raised; the draft is untouched and the last scores stay."""

    error: str
    generation: int


@dataclass
class DeepReviewDone(Message):
    """The deep (model) review finished."""

    review: Review
    generation: int


@dataclass
class DeepReviewFailed(Message):
    """The model call failed (network, timeout, invalid reply...): shown in the deep panel, nothing is lost."""

    error: str
    generation: int


@dataclass
class DeepReviewUnavailable(Message):
    """No model is configured: the engine factory raised `ConfigError` with a one-line how-to."""

    how_to: str
    generation: int


@dataclass
class FindingChosen(Message):
    """The user picked a finding in the list: move the editor's cursor to its phrase."""

    index: int
    """Index into the current review's findings."""
    focus_editor: bool
