"""Every cue's own examples, kept beside it in the rubric file: each `fires` sentence is flagged by that cue, each
`quiet` sentence is not. A new cue brings its evidence; a regression names the cue and the sentence."""

from __future__ import annotations

import pytest

from reviewer import Reviewer

REVIEWER = Reviewer()
CUES = [(dim.id, cue) for dim in REVIEWER.rubric.evidence_dimensions for cue in dim.cues]
FIRES = [(cue.id, text) for _, cue in CUES for text in cue.fires]
QUIET = [(cue.id, text) for _, cue in CUES for text in cue.quiet]


def _rules(text: str) -> list[str]:
    return [f.rule for f in REVIEWER.review_text(text).findings]


def test_the_new_cues_carry_examples() -> None:
    with_examples = {cue_id for cue_id, _ in FIRES}
    for cue_id in ("blame-client", "hostile_tone-contempt", "hostile_tone-defensive", "deflection-rules"):
        assert cue_id in with_examples


@pytest.mark.parametrize(("cue_id", "text"), FIRES, ids=[f"{c}:{t[:30]}" for c, t in FIRES])
def test_the_cue_flags_its_example(cue_id: str, text: str) -> None:
    assert cue_id in _rules(text)


@pytest.mark.parametrize(("cue_id", "text"), QUIET, ids=[f"{c}:{t[:30]}" for c, t in QUIET])
def test_the_cue_leaves_its_look_alike_alone(cue_id: str, text: str) -> None:
    assert cue_id not in _rules(text)


def test_no_critical_finding_on_second_person_facts() -> None:
    """A critical finding blocks a message on its own, so plain facts about the client's side (their data, their
    refund, their plan) must never raise one, from any cue."""
    for _, cue in CUES:
        if cue.severity != "critical":
            continue
        for text in cue.quiet:
            review = REVIEWER.review_text(text)
            assert [f.rule for f in review.findings if f.severity == "critical"] == [], text
