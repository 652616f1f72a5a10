"""Fail-open as a wrapper: when the inner engine cannot review, return the fallback engine's review with a note.

For a pre-send hook that must never stop a send because a model server is down (`--fail-open`). Only
`EngineError` falls back: a configuration or input error is the user's to fix and still fails. The fallback is
the rules engine, whose review is complete on its own; the note says why it is the one shown, and a warning is
logged so a hook's stderr says so too.
"""

from __future__ import annotations

import logging

from reviewer.engines import Engine, areview
from reviewer.errors import EngineError
from reviewer.models import Message, Review
from reviewer.rubric import Rubric

log = logging.getLogger("candor.llm")


class FailOpenEngine:
    """`inner`'s review, or `fallback`'s with a note when `inner` raises `EngineError`."""

    def __init__(self, inner: Engine, fallback: Engine) -> None:
        self.inner = inner
        self.fallback = fallback
        self.name = inner.name

    def review(self, message: Message, rubric: Rubric) -> Review:
        try:
            return self.inner.review(message, rubric)
        except EngineError as err:
            return self._fall_back(err, message, rubric)

    async def areview(self, message: Message, rubric: Rubric) -> Review:
        try:
            return await areview(self.inner, message, rubric)
        except EngineError as err:
            return self._fall_back(err, message, rubric)

    def _fall_back(self, err: EngineError, message: Message, rubric: Rubric) -> Review:
        review = self.fallback.review(message, rubric)
        note = f"The model could not review this draft ({err}); this is the rules review (fail_open)."
        log.warning("candor: %s", note)
        return review.model_copy(update={"notes": (*review.notes, note)})

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


__all__ = ["FailOpenEngine"]
