"""The live review: the rules review of the draft a moment after typing stops, and what a fix would really do.

`LiveReview` owns the debounce and the bookkeeping (which request is newest, which result is on screen) and runs
the review through callables the screen hands it: a timer, a way to run work off the UI thread, and what is in the
editor now. It never imports Textual, so its rules are unit-tested with a fake timer; the screen only wires it up
and draws what it accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from reviewer.errors import CandorError, ConfigError
from reviewer.models import SITUATIONS, Finding, Review
from reviewer.models import Message as ReviewRequest
from reviewer.rewrite import preview_fix
from reviewer.rubric import Lexicon
from reviewer.service import Reviewer
from reviewer.text import clip

REVIEW_DELAY = 0.3
"""Seconds of quiet after the last keystroke before the draft is re-reviewed."""


def check_situation(situation: str | None) -> str | None:
    """The situation, if `candor check --situation` accepts it; raises ConfigError (one line, exit 2) otherwise."""
    if situation is not None and situation not in SITUATIONS:
        raise ConfigError(f"tui: unknown situation {situation!r}; choose from {', '.join(sorted(SITUATIONS))}")
    return situation


class Stoppable(Protocol):
    def stop(self) -> None: ...


@dataclass(frozen=True)
class LiveResult:
    """One live review's outcome: the review, or why it failed (the last scores then stay)."""

    generation: int
    request: ReviewRequest | None
    """What was reviewed; None for an empty editor, which is not reviewed (it would score as a perfect message)."""
    review: Review | None = None
    error: str | None = None


def review_now(reviewer: Reviewer, request: ReviewRequest, generation: int) -> LiveResult:
    """Review, turning any failure into a result: a bug in a rule must not take the editor (and the draft) down."""
    try:
        review = reviewer.review(request)
    except CandorError as err:
        return LiveResult(generation, request, error=str(err))
    except Exception as err:  # noqa: BLE001 - shown in the status line instead
        return LiveResult(generation, request, error=f"{type(err).__name__}: {err}")
    return LiveResult(generation, request, review)


class LiveReview:
    """Debounced rules reviews of whatever `read()` returns, newest first: an overtaken result is dropped."""

    def __init__(
        self,
        reviewer: Reviewer,
        *,
        read: Callable[[], ReviewRequest],
        set_timer: Callable[[float, Callable[[], None]], Stoppable],
        run_off_thread: Callable[[Callable[[], LiveResult]], None],
        show: Callable[[LiveResult], None],
        delay: float = REVIEW_DELAY,
    ) -> None:
        """`run_off_thread(work)` runs `work` on a worker thread and hands its result back to `accept` on the UI
        thread; `show(result)` draws an accepted result (a review, an empty editor, or a failure)."""
        self.reviewer = reviewer
        self.delay = delay
        self._read = read
        self._set_timer = set_timer
        self._run_off_thread = run_off_thread
        self._show = show
        self._timer: Stoppable | None = None
        self.review: Review | None = None
        self.reviewed: ReviewRequest | None = None
        """The request `review` answers (text, situation, client), to tell whether it still matches the screen."""
        self.generation = 0
        """Reviews requested so far; a result from an older request is dropped."""
        self.shown_generation = 0
        """The request whose result (or failure) is on screen."""

    @property
    def pending(self) -> bool:
        """A review is scheduled or running (tests and the benchmark wait on this)."""
        return self._timer is not None or self.shown_generation < self.generation

    def schedule(self, delay: float | None = None) -> None:
        """Review after `delay` seconds (default: the typing pause) unless something reschedules it first."""
        self._stop_timer()
        delay = self.delay if delay is None else delay
        # A zero-length timer divides by zero inside textual; a millisecond is "now" for a person.
        self._timer = self._set_timer(max(delay, 0.001), self._start)

    def context_changed(self, delay: float | None = None) -> None:
        """The situation or client changed: review again, but only if that changes what would be reviewed.

        The fields also report a change when they first appear; that is not worth a review.
        """
        if self.reviewed is not None and self._read() != self.reviewed:
            self.schedule(delay)

    def accept(self, result: LiveResult) -> bool:
        """Take a finished review (on the UI thread); False when a newer request overtook it."""
        if result.generation != self.generation:
            return False
        self.shown_generation = result.generation
        if result.error is None:
            self.review, self.reviewed = result.review, result.request
        self._show(result)
        return True

    def fresh(self) -> Review | None:
        """The review of exactly what is on screen, reviewing now (on the UI thread, tens of ms) if it is stale.

        Used before acting on a finding: a fix is computed from offsets, which must belong to the current text.
        Raises what the review raises.
        """
        request = self._read()
        if not request.text.strip():
            return None
        if self.review is not None and self.reviewed == request:
            return self.review
        self._stop_timer()
        self.generation += 1
        self.accept(LiveResult(self.generation, request, self.reviewer.review(request)))
        return self.review

    def _start(self) -> None:
        self._timer = None
        request = self._read()
        self.generation += 1
        if not request.text.strip():
            self.accept(LiveResult(self.generation, None))
            return
        generation = self.generation
        self._run_off_thread(lambda: review_now(self.reviewer, request, generation))

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None


def _words(text: str) -> str:
    return text.strip(" \n,.;:!?")


def fix_hint(text: str, finding: Finding, lexicon: Lexicon) -> str:
    """One line on what Ctrl+F does to this phrase of `text`, or that it has no automatic fix ("" for a positive)."""
    if finding.severity == "positive":
        return ""
    preview = preview_fix(text, finding, lexicon)
    if preview is None:
        return "(no automatic fix: reword it yourself)"
    same_phrase = _words(preview.removed) == _words(finding.quote)
    if not preview.inserted:
        return "Ctrl+F: remove it" if same_phrase else f"Ctrl+F: remove “{clip(preview.removed, 60)}”"
    if same_phrase and _words(preview.inserted) == _words(finding.replacement or ""):
        return f"Ctrl+F: replace with “{finding.replacement}”"
    return f"Ctrl+F: replace “{clip(preview.removed, 60)}” with “{clip(preview.inserted, 60)}”"
