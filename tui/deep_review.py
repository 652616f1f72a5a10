"""The deep review: one model review of the draft in the background, which the user can cancel at any time.

Why a daemon thread awaited through a future rather than a thread worker: a thread worker runs on asyncio's default
executor, which is joined when the app exits, so a cancelled call still waiting on the network would keep `Ctrl+Q`
from quitting until the HTTP timeout. A daemon thread is simply left behind, and its late answer is dropped by
generation. The engine is built lazily, on first use and off the UI thread, because the LLM stack is slow to import.

No Textual here: the screen runs `DeepReviewRunner.run` in a worker and draws the outcome it accepts.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from dataclasses import dataclass
from typing import Literal

from reviewer.config import Settings
from reviewer.engines import Engine, EngineFactory
from reviewer.errors import CandorError, ConfigError
from reviewer.models import Message as ReviewRequest
from reviewer.models import Review
from reviewer.rubric import Rubric

THREAD_NAME = "candor-deep-review"


@dataclass(frozen=True)
class DeepOutcome:
    """How a deep review ended: done (with the review), failed (a one-line error) or unavailable (a how-to)."""

    generation: int
    state: Literal["done", "failed", "unavailable"]
    review: Review | None = None
    message: str = ""
    """The error (failed) or how to configure a model (unavailable)."""


class DeepReviewRunner:
    """Runs deep reviews one at a time and keeps the latest one the user is still waiting for."""

    def __init__(self, factory: EngineFactory, settings: Settings, rubric: Rubric) -> None:
        self.factory = factory
        self.settings = settings
        self.rubric = rubric
        self.generation = 0
        """Deep reviews started or cancelled so far; an outcome from an older one is dropped."""
        self.review: Review | None = None
        """The latest deep review that finished and was not cancelled or reset."""
        self._engine: Engine | None = None

    def start(self) -> int:
        """A new deep review begins: its generation, to pass to `run`."""
        self.generation += 1
        return self.generation

    def cancel(self) -> None:
        """Stop waiting: whatever the running review returns later is dropped."""
        self.generation += 1

    def reset(self) -> None:
        """A different draft was opened: forget the last deep review (and drop any running one)."""
        self.cancel()
        self.review = None

    def accept(self, outcome: DeepOutcome) -> bool:
        """Take an outcome on the UI thread; False when the user cancelled it or started another since."""
        if outcome.generation != self.generation:
            return False
        if outcome.state == "done":
            self.review = outcome.review
        return True

    async def run(self, request: ReviewRequest, generation: int) -> DeepOutcome:
        """Review `request` on a daemon thread; cancelling the awaiting task abandons the thread, never blocks."""
        future: concurrent.futures.Future[Review] = concurrent.futures.Future()
        thread = threading.Thread(target=self._review, args=(request, future), name=THREAD_NAME, daemon=True)
        thread.start()
        try:
            review = await asyncio.wrap_future(future)
        except ConfigError as err:
            return DeepOutcome(generation, "unavailable", message=str(err))
        except CandorError as err:
            return DeepOutcome(generation, "failed", message=str(err))
        except Exception as err:  # noqa: BLE001 - shown in the panel; the draft must survive any engine bug
            return DeepOutcome(generation, "failed", message=f"{type(err).__name__}: {err}")
        return DeepOutcome(generation, "done", review)

    def _review(self, request: ReviewRequest, future: concurrent.futures.Future[Review]) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            engine = self._engine or self.factory(self.settings)
            self._engine = engine
            future.set_result(engine.review(request, self.rubric))
        except BaseException as err:  # noqa: BLE001 - handed to the awaiting task, which reports it
            future.set_exception(err)
