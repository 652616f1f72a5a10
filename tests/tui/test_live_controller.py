"""The live-review controller without Textual: debounce, newest result wins, empty drafts, failures, and what a fix
announces. A fake timer stands in for Textual's; the reviews are real rules reviews."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from tui_helpers import DRAFT

from reviewer.config import Settings
from reviewer.errors import ConfigError
from reviewer.models import Message, Review
from reviewer.rewrite import apply_finding
from reviewer.rubric import Rubric
from reviewer.service import Reviewer
from tui.live_review import LiveResult, LiveReview, check_situation, fix_hint, preview_fix

ROOT = Path(__file__).resolve().parents[2]


class FakeTimer:
    def __init__(self, delay: float, callback: Callable[[], None]) -> None:
        self.delay, self.callback, self.stopped = delay, callback, False

    def stop(self) -> None:
        self.stopped = True


class Harness:
    """What the screen gives the controller: the editor's request, a timer, a worker thread, and a place to draw."""

    def __init__(self, reviewer: Reviewer, text: str = "") -> None:
        self.request = Message(text=text)
        self.timers: list[FakeTimer] = []
        self.works: list[Callable[[], LiveResult]] = []
        self.shown: list[LiveResult] = []
        self.live = LiveReview(
            reviewer,
            read=lambda: self.request,
            set_timer=self.set_timer,
            run_off_thread=self.works.append,
            show=self.shown.append,
            delay=0.3,
        )

    def set_timer(self, delay: float, callback: Callable[[], None]) -> FakeTimer:
        self.timers.append(FakeTimer(delay, callback))
        return self.timers[-1]

    def fire(self) -> None:
        live = [t for t in self.timers if not t.stopped]
        assert len(live) == 1, f"expected one running timer, found {len(live)}"
        live[0].stopped = True
        live[0].callback()

    def finish(self, index: int = -1) -> bool:
        return self.live.accept(self.works[index]())


def test_a_burst_of_edits_is_reviewed_once_after_the_pause(reviewer: Reviewer) -> None:
    harness = Harness(reviewer, "Sorry, it is late.")
    for _ in range(5):
        harness.live.schedule()
    assert [t.delay for t in harness.timers] == [0.3] * 5
    assert sum(not t.stopped for t in harness.timers) == 1  # each keystroke restarted the pause
    assert harness.live.pending and harness.live.generation == 0
    harness.fire()
    assert harness.live.generation == 1 and len(harness.works) == 1 and harness.live.pending
    assert harness.finish()
    assert not harness.live.pending
    assert harness.live.review is not None and harness.live.review.text == "Sorry, it is late."
    assert harness.live.reviewed == harness.request and harness.shown[-1].review is harness.live.review


def test_zero_delay_is_a_millisecond_because_textual_cannot_time_zero(reviewer: Reviewer) -> None:
    harness = Harness(reviewer, "Hi")
    harness.live.schedule(0)
    assert harness.timers[-1].delay == 0.001


def test_a_result_overtaken_by_a_newer_request_is_dropped(reviewer: Reviewer) -> None:
    harness = Harness(reviewer, "The report is late.")
    harness.live.schedule()
    harness.fire()
    harness.request = Message(text="The report is late. We will send it ASAP.")
    harness.live.schedule()
    harness.fire()
    assert not harness.finish(0)  # the older review comes back last: not shown
    assert harness.live.review is None and harness.shown == [] and harness.live.pending
    assert harness.finish(1)
    assert harness.live.review is not None and harness.live.review.text.endswith("ASAP.")


def test_an_empty_draft_is_not_reviewed_and_clears_the_scores(reviewer: Reviewer) -> None:
    harness = Harness(reviewer, "The report is late.")
    harness.live.schedule()
    harness.fire()
    harness.request = Message(text="  \n")
    harness.live.schedule()
    harness.fire()
    assert len(harness.works) == 1  # no review was started for the empty draft
    assert harness.shown[-1] == LiveResult(2, None) and not harness.live.pending
    assert not harness.finish(0)  # and the review still in flight for the old text never lands


class BrokenEngine:
    name = "rules"

    def review(self, message: Message, rubric: Rubric) -> Review:
        raise KeyError("a bug in a rule")


def test_a_failed_review_is_reported_and_the_last_scores_stay(reviewer: Reviewer) -> None:
    harness = Harness(reviewer, "The report is late.")
    harness.live.schedule()
    harness.fire()
    harness.finish()
    good = harness.live.review
    harness.live.reviewer = Reviewer(Settings(), engine=BrokenEngine())
    harness.request = Message(text="The report is late. Sorry.")
    harness.live.schedule()
    harness.fire()
    assert harness.finish()
    assert harness.shown[-1].error == "KeyError: 'a bug in a rule'"
    assert harness.live.review is good and not harness.live.pending


def test_fresh_reviews_now_only_when_the_screen_changed(reviewer: Reviewer) -> None:
    harness = Harness(reviewer, DRAFT)
    harness.live.schedule()  # a review is due...
    review = harness.live.fresh()  # ...but a fix needs one now
    assert review is not None and review.text == DRAFT
    assert all(t.stopped for t in harness.timers) and harness.works == [] and not harness.live.pending
    generation = harness.live.generation
    assert harness.live.fresh() is review and harness.live.generation == generation  # still current: no re-review
    harness.request = Message(text="")
    assert harness.live.fresh() is None


def test_a_context_change_reviews_again_only_when_it_changes_the_request(reviewer: Reviewer) -> None:
    harness = Harness(reviewer, DRAFT)
    harness.live.context_changed()  # the fields report a change as they appear: nothing reviewed yet, so no review
    assert harness.timers == []
    harness.live.fresh()
    harness.live.context_changed(0)
    assert harness.timers == []
    harness.request = Message(text=DRAFT, situation="outage")
    harness.live.context_changed(0)
    assert [t.delay for t in harness.timers] == [0.001]


def test_the_fix_hint_says_what_ctrl_f_really_does(reviewer: Reviewer) -> None:
    text = DRAFT.replace("Best,", "I apologise for the confusion. I'll aim to have it live later this week.\n\nBest,")
    review = reviewer.review(Message(text=text))
    hints = {f.quote: fix_hint(text, f, reviewer.rubric.lexicon) for f in review.findings}
    assert hints["slight delay"] == "Ctrl+F: remove “slight”"
    assert hints["Due to our vendor's late"] == "Ctrl+F: remove “Due to our vendor's late API changes,”"
    assert (
        hints["I apologise for the confusion"] == "Ctrl+F: replace with “I'm sorry [for what happened, in your words]”"
    )
    lexicon = reviewer.rubric.lexicon
    later = next(f for f in review.findings if f.quote == "later this week")
    assert (
        later.replacement == "by [date we can commit to]" and apply_finding(text, later, lexicon) is None
    )  # it would drop a date
    assert hints["later this week"] == "(no automatic fix: reword it yourself)"
    for finding in review.findings:
        preview = preview_fix(text, finding, lexicon)
        assert (preview is None) == (apply_finding(text, finding, lexicon) is None or finding.severity == "positive")
        if preview is not None:
            assert preview.fixed == apply_finding(text, finding, lexicon)
            assert preview.removed in text and (not preview.inserted or preview.inserted in preview.fixed)


def test_an_unknown_situation_is_refused_like_candor_check_refuses_it() -> None:
    assert check_situation(None) is None and check_situation("outage") == "outage"
    with pytest.raises(ConfigError, match="unknown situation 'bogus'; choose from .*missed_deadline"):
        check_situation("bogus")


def test_the_file_model_and_both_controllers_run_without_textual() -> None:
    code = (
        "import sys, tui.files, tui.live_review, tui.deep_review, tui.spans; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
