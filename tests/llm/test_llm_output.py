"""Parsing and checking a model's reply, and locating its quotes in the draft."""

from __future__ import annotations

import json

import pytest
from llm_support import DRAFT, reply_data, reply_json

from reviewer.engines.llm_output import InvalidReply, locate, locate_all, parse_reply
from reviewer.rubric import Rubric


def test_valid_reply_parses(rubric: Rubric) -> None:
    parsed = parse_reply(reply_json(rubric), rubric)
    assert set(parsed.dimensions) == set(rubric.ids)
    assert parsed.missing == (("solutions", "A new delivery date"),)
    assert parsed.rewrite is not None and parsed.ignored == ()


def test_code_fences_and_surrounding_prose_are_tolerated(rubric: Rubric) -> None:
    body = reply_json(rubric)
    assert parse_reply(f"```json\n{body}\n```", rubric).dimensions.keys() == set(rubric.ids)
    assert parse_reply(f"Here is the review:\n{body}\nHope it helps.", rubric).dimensions.keys() == set(rubric.ids)


@pytest.mark.parametrize(
    ("score", "error"),
    [
        (0, "is 0, outside 1 to 5"),
        (6, "is 6, outside 1 to 5"),
        (3.5, "must be an integer from 1 to 5, got 3.5"),
        ("high", 'must be an integer from 1 to 5, got "high"'),
        (True, "must be an integer from 1 to 5, got true"),
        (None, "must be an integer from 1 to 5, got null"),
    ],
)
def test_bad_scores_are_named(rubric: Rubric, score: object, error: str) -> None:
    data = reply_data(rubric)
    data["dimensions"]["empathy"]["score"] = score
    with pytest.raises(InvalidReply) as caught:
        parse_reply(json.dumps(data), rubric)
    assert caught.value.errors == [f"dimensions.empathy.score {error}"]


def test_integral_scores_in_other_types_are_accepted(rubric: Rubric) -> None:
    data = reply_data(rubric)
    data["dimensions"]["empathy"]["score"] = "4"
    data["dimensions"]["solutions"]["score"] = 2.0
    parsed = parse_reply(json.dumps(data), rubric)
    assert parsed.dimensions["empathy"].score == 4 and parsed.dimensions["solutions"].score == 2


def test_every_problem_is_listed(rubric: Rubric) -> None:
    data = reply_data(rubric)
    del data["dimensions"]["transparency"]
    data["dimensions"]["empathy"]["rationale"] = ""
    data["dimensions"]["solutions"]["evidence"] = "not a list but a string is fine"
    data["dimensions"]["accountability"]["evidence"] = 5
    with pytest.raises(InvalidReply) as caught:
        parse_reply(json.dumps(data), rubric)
    assert caught.value.errors == [
        "dimensions.transparency is missing: score every dimension",
        "dimensions.empathy.rationale must be a non-empty string",
        "dimensions.accountability.evidence must be a list of strings",
    ]


def test_unknown_dimensions_are_ignored_but_reported(rubric: Rubric) -> None:
    data = reply_data(rubric)
    data["dimensions"]["tone"] = {"evidence": [], "rationale": "x", "score": 3}
    assert parse_reply(json.dumps(data), rubric).ignored == ("tone",)


def test_not_an_object(rubric: Rubric) -> None:
    with pytest.raises(InvalidReply, match="not a JSON object"):
        parse_reply("Sure! The draft is fine.", rubric)
    with pytest.raises(InvalidReply, match="must be a JSON object"):
        parse_reply("[1, 2]", rubric)
    with pytest.raises(InvalidReply, match='"dimensions" must be an object'):
        parse_reply('{"dimensions": 3}', rubric)


def test_locate_exact_and_whitespace_normalised() -> None:
    text = "We missed the\n  deadline. We missed the deadline."
    start, end = locate(text, "We missed the deadline") or (0, 0)
    assert text[start:end] == "We missed the deadline" and start == 26
    start, end = locate(text, "missed the\ndeadline.") or (0, 0)
    assert text[start:end] == "missed the\n  deadline."
    exact = text.index("the deadline")
    assert locate(text, "  the deadline  ") == (exact, exact + len("the deadline"))


def test_locate_refuses_what_is_not_there_or_too_short() -> None:
    assert locate(DRAFT, "we take full responsibility") is None
    assert locate(DRAFT, "1") is None and locate(DRAFT, "...") is None and locate(DRAFT, "we") is None
    assert locate(DRAFT, "WE MISSED THE DEADLINE") is None  # case is not normalised: a quote is a quote


def test_locate_all_dedupes_and_counts() -> None:
    evidence, dropped = locate_all(DRAFT, ("has slipped", "has  slipped", "invented", "Hi Dana"))
    assert [e.quote for e in evidence] == ["Hi Dana", "has\nslipped"]
    assert dropped == 1
