"""A model's rewrite goes through the scaffold's checks: template echoes are repaired, scores are checked offline."""

from __future__ import annotations

import json

import pytest
from llm_support import DRAFT, Reply, ScriptedServer, reply_data, reply_json

from reviewer.cli import main
from reviewer.config import Settings
from reviewer.engines.llm_output import TEMPLATE_SLOTS, InvalidReply, echoed_slot, parse_reply
from reviewer.engines.llm_prompt import output_shape
from reviewer.engines.llm_stack import llm_engine
from reviewer.engines.rules import RulesEngine
from reviewer.errors import EngineError
from reviewer.models import Message
from reviewer.rewrite import unfilled, with_sample_values
from reviewer.rubric import Rubric

BLAMING_REWRITE = (
    "Hi Dana,\n\nThe dashboard launch planned for 14 March slipped because your team failed to send the files on "
    "time, and our vendor changed their data feed late. We will have it ready ASAP.\n\nBest,\nSam"
)


def test_every_placeholder_of_the_reply_format_is_known_to_the_validator(rubric: Rubric) -> None:
    shape = output_shape(rubric)
    for slot in TEMPLATE_SLOTS:
        assert slot in shape
    assert echoed_slot("<one or two sentences>") == "<one or two sentences>"
    assert echoed_slot("  One or two sentences. ") == "<one or two sentences>"
    assert echoed_slot("Hi Dana,\n\n<the whole message, rewritten>") == "<the whole message, rewritten>"
    assert echoed_slot("The draft gives one or two sentences of cause, which is right.") is None
    assert echoed_slot("We apologise for the outage on 14 March.") is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rationale", "<one or two sentences>"),
        ("rewrite", "<the whole message, rewritten>"),
        ("suggestions", ["<one change, most important first>"]),
        ("missing", [{"dimension": "solutions", "what": "<what the message leaves out>"}]),
        ("evidence", ["<exact phrase from the draft>"]),
    ],
)
def test_a_reply_that_echoes_the_template_is_invalid(rubric: Rubric, field: str, value: object) -> None:
    data = reply_data(rubric)
    if field in ("rationale", "evidence"):
        data["dimensions"]["empathy"][field] = value
    else:
        data[field] = value
    with pytest.raises(InvalidReply) as caught:
        parse_reply(json.dumps(data), rubric)
    assert any("repeats the reply format's placeholder" in e for e in caught.value.errors)


def test_an_echoed_template_is_repaired_once(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    echo = reply_data(rubric)
    for entry in echo["dimensions"].values():
        entry["rationale"] = "<one or two sentences>"
    server.then(Reply(json.dumps(echo)), Reply(reply_json(rubric)))
    review = llm_engine(settings, cache=None).review(Message(text=DRAFT), rubric)

    assert len(server.requests) == 2
    repair = server.requests[1]["messages"][-1]["content"]
    assert "dimensions.transparency.rationale repeats the reply format's placeholder" in repair
    assert all(d.rationale.startswith("Rationale for") for d in review.dimensions)
    assert any("first reply was invalid" in note for note in review.notes)


def test_a_template_echoed_twice_is_one_clear_error(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    echo = json.dumps(reply_data(rubric, rewrite="<the whole message, rewritten>"))
    server.then(Reply(echo), Reply(echo))
    with pytest.raises(EngineError) as caught:
        llm_engine(settings, cache=None).review(Message(text=DRAFT), rubric)
    assert "not a valid review after one repair" in str(caught.value) and "rewrite repeats" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_the_models_rewrite_carries_scores_from_the_rules_engine(
    server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    server.then(Reply(reply_json(rubric)))
    review = llm_engine(settings, cache=None).review(Message(text=DRAFT), rubric)
    rewrite = review.rewrite
    assert rewrite is not None and rewrite.source == "model" and rewrite.scored_by == "rules"

    rules = RulesEngine()
    draft = rules.judge(Message(text=DRAFT), rubric)
    # Placeholders the model added ([new date], [owner], [day]) are blank when the rewrite is scored.
    after = rules.judge(Message(text=unfilled(rewrite.text, DRAFT)), rubric)
    # Scores to compare (the checking engine does not work out what moved each one, so rationales may differ).
    assert [(d.id, d.score) for d in rewrite.dimensions or ()] == [(d.id, d.score) for d in after.dimensions]
    assert rewrite.overall == after.overall
    # Beside it, the projection with those blanks filled in, by the same rules engine.
    filled = rules.judge(Message(text=with_sample_values(rewrite.text, DRAFT)), rubric)
    assert "[" not in with_sample_values(rewrite.text, DRAFT)
    assert rewrite.filled_overall == filled.overall and rewrite.filled_verdict == filled.verdict
    assert [d.score for d in rewrite.draft_dimensions or ()] == [d.score for d in draft.dimensions]
    assert rewrite.draft_overall == draft.overall and rewrite.baseline(review)[1] == draft.overall
    assert rewrite.dimensions is not None
    assert all(a.score >= b.score for a, b in zip(rewrite.dimensions, draft.dimensions, strict=True))
    # The model's own scores for the draft are untouched.
    assert {d.id: d.score for d in review.dimensions} == {
        k: v["score"] for k, v in reply_data(rubric)["dimensions"].items()
    }


def test_a_model_rewrite_that_scores_lower_is_not_offered(
    server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    server.then(Reply(reply_json(rubric, rewrite=BLAMING_REWRITE)))
    review = llm_engine(settings, cache=None).review(Message(text=DRAFT), rubric)

    rules = RulesEngine()
    scaffold = rules.review(Message(text=DRAFT), rubric).rewrite
    assert scaffold is not None and review.rewrite is not None
    assert review.rewrite.text == scaffold.text and review.rewrite.source == "scaffold"
    # Its scores sit beside the draft's rules scores, not the model's.
    draft = rules.judge(Message(text=DRAFT), rubric)
    baseline = review.rewrite.baseline(review)
    assert review.rewrite.scored_by == "rules" and baseline[1] == draft.overall
    assert [d.score for d in baseline[0]] == [d.score for d in draft.dimensions]
    note = next(n for n in review.notes if n.startswith("The model's rewrite scored lower"))
    assert "scaffold is offered instead" in note


def test_the_cli_shows_which_engine_scored_the_models_rewrite(
    server: ScriptedServer, settings: Settings, rubric: Rubric, tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    server.then(Reply(reply_json(rubric)))
    draft = f"{tmp_path}/draft.txt"
    with open(draft, "w", encoding="utf-8") as handle:
        handle.write(DRAFT)
    assert settings.base_url is not None and settings.model is not None
    code = main(["check", draft, "--engine", "llm", "--model", settings.model, "--base-url", settings.base_url,
                 "--no-cache"])  # fmt: skip
    out = capsys.readouterr().out
    assert code in (0, 1), out
    assert "scored by the rules engine" in out
