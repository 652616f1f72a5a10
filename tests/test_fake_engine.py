"""The registered `fake` engine: the real LLM path (prompt, validation, quotes, fact check, gate and the wrappers)
with scripted model replies, so front ends can be tested end to end with no server and no network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.config import Settings
from reviewer.engines import areview, areview_many, get_engine
from reviewer.engines.fake import FakeEngine, default_reply, scripted_reply
from reviewer.engines.llm_backend import TransientError, UnsupportedFormat
from reviewer.engines.rules import RulesEngine
from reviewer.errors import EngineError, ExitCode
from reviewer.models import Message, Review
from reviewer.rubric import Rubric
from reviewer.scoring import overall_score, verdict_for
from reviewer.service import Reviewer, rubric_for

DRAFT = (
    "Hi Dana,\n\nThe dashboard launch planned for 14 March has slipped because our vendor changed their data feed "
    "late. We apologize for any inconvenience.\n\nWe will have it ready ASAP.\n\nBest,\nSam\n"
)


@pytest.fixture
def rubric() -> Rubric:
    return rubric_for(Settings())


def reply(rubric: Rubric, score: int = 4, **more: object) -> str:
    return scripted_reply(rubric.ids, score=score, **more)  # type: ignore[arg-type]


def test_candor_check_reviews_offline_with_the_fake_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT, encoding="utf-8")
    code = main(["check", str(draft), "--engine", "fake", "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (ExitCode.OK, ExitCode.BLOCKED), err
    review = Review.from_json(out)
    assert review.engine == "llm:fake"
    assert {d.score for d in review.dimensions} == {3}
    # The default reply quotes the draft's first line, located in the reviewed text like any model quote.
    assert all(d.evidence[0].quote == "Hi Dana," for d in review.dimensions)
    assert review.findings == ()  # the llm engine alone: no rules findings


def test_the_fake_is_registered_and_needs_no_model_or_endpoint(rubric: Rubric) -> None:
    engine = get_engine("fake", Settings())
    assert engine.name == "llm:fake"
    assert Reviewer(Settings(engine="fake")).review_text(DRAFT).engine == "llm:fake"


def test_scripted_replies_go_through_validation_and_repair(rubric: Rubric) -> None:
    fake = FakeEngine(["not json", reply(rubric, 5, evidence=["our vendor changed", "words the draft lacks"])])
    review = fake.review(Message(text=DRAFT), rubric)
    assert {d.score for d in review.dimensions} == {5}
    assert [e.quote for e in review.dimensions[0].evidence] == ["our vendor changed"]
    assert any("first reply was invalid" in note for note in review.notes)
    assert any("not found in the draft and were dropped" in note for note in review.notes)
    assert len(fake.requests) == 2 and fake.requests[1].meta.attempt == 1
    assert [m.text for m in fake.calls] == [DRAFT]


def test_a_scripted_rewrite_is_fact_checked(rubric: Rubric) -> None:
    fake = FakeEngine([reply(rubric, rewrite="Hi Dana, the launch moves from 14 March to 21 March. Sam")])
    review = fake.review(Message(text=DRAFT), rubric)
    assert review.rewrite is not None and review.rewrite.source == "model"
    assert ("date", "added", "21 March") in {(f.kind, f.change, f.value) for f in review.rewrite.changed_facts}


def test_scripted_transient_failures_are_retried_by_the_shared_policy(rubric: Rubric) -> None:
    waits: list[float] = []
    fake = FakeEngine([TransientError("busy (429)", retry_after=2.0), reply(rubric)], sleep=waits.append)
    assert fake.review(Message(text=DRAFT), rubric).engine == "llm:fake"
    assert waits == [2.0]

    gives_up = FakeEngine(lambda request: TransientError("down (503)"), settings=Settings(max_retries=1))
    with pytest.raises(EngineError, match=r"down \(503\) \(gave up after 2 attempts\)"):
        gives_up.review(Message(text=DRAFT), rubric)


def test_a_refused_format_moves_to_the_next_mode_and_is_remembered(rubric: Rubric) -> None:
    fake = FakeEngine([UnsupportedFormat("no json_schema here"), reply(rubric), reply(rubric)])
    fake.review(Message(text=DRAFT), rubric)
    fake.review(Message(text=DRAFT + "\nPS"), rubric)
    assert [r.response_mode for r in fake.requests] == ["json_schema", "json_object_schema", "json_object_schema"]


def test_fail_open_and_rules_plus_llm_compose_on_the_fake(rubric: Rubric) -> None:
    rules = RulesEngine().review(Message(text=DRAFT), rubric)

    down = FakeEngine([EngineError("the model is down")], settings=Settings(fail_open=True))
    fallback = down.review(Message(text=DRAFT), rubric)
    assert fallback.engine == "rules" and fallback.findings == rules.findings
    assert "the model is down" in fallback.notes[-1] and "fail_open" in fallback.notes[-1]

    combined = FakeEngine([reply(rubric, 5, missing=[("solutions", "A new date")])], rules=True)
    review = combined.review(Message(text=DRAFT), rubric)
    assert review.engine == "rules+llm:fake"
    assert review.findings == rules.findings and review.missing == rules.missing
    assert {d.score for d in review.dimensions} == {5}
    assert "Missing: A new date" in review.suggestions
    # Judged again with the rules findings: alone, five 5s send; with the rules' major findings they do not.
    alone = FakeEngine([reply(rubric, 5)]).review(Message(text=DRAFT), rubric)
    assert alone.verdict == "send"
    assert sum(f.severity == "major" for f in rules.findings) > Settings().gate.max_major_for_send
    overall = overall_score({d: 5 for d in rubric.ids}, rubric, rules.findings)
    assert review.overall == overall and review.verdict == verdict_for(overall, rules.findings, Settings().gate)
    assert review.verdict != "send"


def test_an_empty_script_is_an_engine_error(rubric: Rubric) -> None:
    fake = FakeEngine([])
    with pytest.raises(EngineError, match="no reply left in the script"):
        fake.review(Message(text=DRAFT), rubric)


async def test_the_fake_reviews_a_batch_in_order(rubric: Rubric) -> None:
    fake = FakeEngine(default_reply)
    messages = [Message(text=f"{DRAFT}\nPS {i}") for i in range(4)]
    results = await areview_many(fake, messages, rubric, concurrency=2)
    assert [r.text for r in results if isinstance(r, Review)] == [m.text for m in messages]
    assert len(fake.calls) == 4


def test_default_reply_is_valid_for_any_rubric(rubric: Rubric) -> None:
    two = rubric_for(Settings(disable=("empathy", "solutions", "limited_excuses")))
    fake = FakeEngine()
    assert [d.id for d in fake.review(Message(text=DRAFT), two).dimensions] == list(two.ids)
    request = fake.requests[0]
    assert set(json.loads(default_reply(request))["dimensions"]) == set(two.ids)


async def test_the_async_path_retries_by_the_same_policy(rubric: Rubric) -> None:
    fake = FakeEngine([TransientError("busy (429)", retry_after=0.01), reply(rubric)])
    assert (await areview(fake, Message(text=DRAFT), rubric)).engine == "llm:fake"
    assert len(fake.requests) == 2

    down = TransientError("down (503)", retry_after=0.01)
    gives_up = FakeEngine(lambda request: down, settings=Settings(max_retries=1))
    with pytest.raises(EngineError, match=r"down \(503\) \(gave up after 2 attempts\)"):
        await areview(gives_up, Message(text=DRAFT), rubric)
    too_long = FakeEngine([TransientError("busy (429)", retry_after=3600)])
    with pytest.raises(EngineError, match="asks to wait 3600s"):
        await areview(too_long, Message(text=DRAFT), rubric)
