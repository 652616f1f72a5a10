"""The deep-review runner without Textual: outcomes, the lazily built engine, and cancelling a call that hangs."""

from __future__ import annotations

import asyncio
import threading

from tui_helpers import DRAFT, NO_MODEL, BlockingEngine, FailingEngine, ModelStyleEngine, fixed_engine, unconfigured

from reviewer.config import Settings
from reviewer.models import Message, Review
from reviewer.rubric import Rubric
from reviewer.service import Reviewer
from tui.deep_review import THREAD_NAME, DeepOutcome, DeepReviewRunner

REQUEST = Message(text=DRAFT, client="Dana")


def runner_for(reviewer: Reviewer, factory: object) -> DeepReviewRunner:
    return DeepReviewRunner(factory, reviewer.settings, reviewer.rubric)  # type: ignore[arg-type]


def test_a_deep_review_builds_its_engine_once_and_keeps_the_review(reviewer: Reviewer) -> None:
    engine = ModelStyleEngine()
    built: list[Settings] = []

    def factory(settings: Settings) -> ModelStyleEngine:
        built.append(settings)
        return engine

    runner = runner_for(reviewer, factory)
    assert built == []  # nothing is built (nor imported) until a review is asked for
    outcome = asyncio.run(runner.run(REQUEST, runner.start()))
    assert outcome.state == "done" and outcome.review is not None and outcome.review.engine == engine.name
    assert runner.accept(outcome) and runner.review is outcome.review
    second = asyncio.run(runner.run(REQUEST, runner.start()))
    assert runner.accept(second)
    assert built == [reviewer.settings] and [m.client for m in engine.calls] == ["Dana", "Dana"]
    runner.reset()
    assert runner.review is None


def test_a_missing_model_and_a_failed_call_are_outcomes_not_exceptions(reviewer: Reviewer) -> None:
    runner = runner_for(reviewer, unconfigured)
    outcome = asyncio.run(runner.run(REQUEST, runner.start()))
    assert outcome == DeepOutcome(1, "unavailable", message=NO_MODEL)

    runner = runner_for(reviewer, fixed_engine(FailingEngine()))
    outcome = asyncio.run(runner.run(REQUEST, runner.start()))
    assert outcome.state == "failed" and "refused the connection" in outcome.message

    class Buggy:
        name = "buggy"

        def review(self, message: Message, rubric: Rubric) -> Review:
            raise ValueError("bad reply")

    runner = runner_for(reviewer, fixed_engine(Buggy()))
    outcome = asyncio.run(runner.run(REQUEST, runner.start()))
    assert outcome.state == "failed" and outcome.message == "ValueError: bad reply"
    assert runner.accept(outcome) and runner.review is None  # a failure never replaces a review


def test_cancelling_abandons_a_hanging_call_at_once_and_drops_its_late_answer(
    reviewer: Reviewer, blocking_engine: BlockingEngine
) -> None:
    runner = runner_for(reviewer, fixed_engine(blocking_engine))

    async def start_then_cancel() -> int:
        generation = runner.start()
        task = asyncio.ensure_future(runner.run(REQUEST, generation))
        await asyncio.to_thread(blocking_engine.started.wait, 10)
        threads = [t for t in threading.enumerate() if t.name == THREAD_NAME]
        assert threads and all(t.daemon for t in threads)  # left behind at exit, never joined
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        else:
            raise AssertionError("the task should have been cancelled")
        runner.cancel()
        return generation

    cancelled = asyncio.run(start_then_cancel())  # returns while the engine is still blocked
    assert not blocking_engine.finished.is_set()
    blocking_engine.release.set()
    assert blocking_engine.finished.wait(10)
    late = DeepOutcome(cancelled, "done", review=reviewer.review(REQUEST))
    assert not runner.accept(late) and runner.review is None
