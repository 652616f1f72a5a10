"""Every cue's and check's own examples, kept beside it in the rubric file: each `fires` sentence is flagged by that
cue (each `fires` message makes the check report), each `quiet` one is not. A new cue brings its evidence; a
regression names the cue and the sentence."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from reviewer import Reviewer
from reviewer.errors import RubricError
from reviewer.rubric import FoundCheck, Rubric, load_rubric

REVIEWER = Reviewer()
CUES = [(dim.id, cue) for dim in REVIEWER.rubric.evidence_dimensions for cue in dim.cues]
FIRES = [(cue.id, text) for _, cue in CUES for text in cue.fires]
QUIET = [(cue.id, text) for _, cue in CUES for text in cue.quiet]
CHECKS = [check for dim in REVIEWER.rubric.evidence_dimensions for check in dim.checks]
REPORTING = [check for check in CHECKS if not isinstance(check, FoundCheck)]
CHECK_FIRES = [(check.id, text) for check in REPORTING for text in check.fires]
CHECK_QUIET = [(check.id, text) for check in REPORTING for text in check.quiet]


def _rules(text: str) -> list[str]:
    return [f.rule for f in REVIEWER.review_text(text).findings]


BUILTIN = Path(REVIEWER.rubric.sources[0]).parent


def _lacking_examples(rubric: Rubric) -> list[str]:
    return [cue.id for dim in rubric.evidence_dimensions for cue in dim.cues if not (cue.fires and cue.quiet)]


def test_every_cue_and_every_reporting_check_carries_both_kinds_of_example() -> None:
    lacking = _lacking_examples(REVIEWER.rubric)
    assert lacking == [], f"cues without fires/quiet examples: {lacking}"
    assert {c.check for c in REPORTING} == {"present", "new_date", "over_explaining"}
    assert all(c.fires and c.quiet for c in REPORTING)


def test_a_cue_without_examples_is_caught(tmp_path: Path) -> None:
    """The check above must fail on a cue with no examples: a team's cue without them is counted as lacking."""
    (tmp_path / "brevity.toml").write_text(
        'id = "brevity"\ntitle = "Brevity"\nquestion = "Short?"\ndefinition = "Short."\n'
        '[scale]\n1 = "a"\n2 = "b"\n3 = "c"\n4 = "d"\n5 = "e"\n'
        '[[cues]]\nid = "filler-phrases"\nseverity = "minor"\nweight = -0.5\n'
        "patterns = ['\\\\bjust wanted to\\\\b']\nmessage = \"Filler.\"\n",
        encoding="utf-8",
    )
    assert _lacking_examples(load_rubric([BUILTIN, tmp_path])) == ["filler-phrases"]


def test_a_reporting_check_must_bring_examples_and_a_check_takes_only_its_kinds_fields(tmp_path: Path) -> None:
    folder = tmp_path / "rubric"
    folder.mkdir()
    for path in BUILTIN.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    path = folder / "solutions.toml"
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    owner = next(i for i, c in enumerate(data["checks"]) if c["id"] == "owner")
    block = text.index('id = "owner"\n')
    fires_at = text.index("\nfires = [", block)
    path.write_text(text[:fires_at] + text[text.index("\n", fires_at + 1) :], encoding="utf-8")
    with pytest.raises(RubricError, match=rf"solutions.toml: checks.{owner}.present.fires: Field required"):
        load_rubric([folder])
    path.write_text(text.replace('id = "owner"\n', 'id = "owner"\npatterns = ["x"]\n', 1), encoding="utf-8")
    with pytest.raises(RubricError, match=rf"solutions.toml: checks.{owner}.present.patterns: Extra inputs"):
        load_rubric([folder])


def test_no_pattern_as_written_is_a_wall_of_pasted_words() -> None:
    """Long alternations belong in named lists (prompts/rubric/lists.toml, used as @name)."""
    longest = max(
        (len(p), cue.id) for _, cue in CUES for p in (*_written(cue.id, "patterns"), *_written(cue.id, "unless"))
    )
    assert longest[0] <= 400, longest


def _written(cue_id: str, key: str) -> list[str]:
    for path in BUILTIN.glob("*.toml"):
        for cue in tomllib.loads(path.read_text(encoding="utf-8")).get("cues", []):
            if cue["id"] == cue_id:
                return list(cue.get(key, []))
    return []


@pytest.mark.parametrize(("cue_id", "text"), FIRES, ids=[f"{c}:{t[:30]}" for c, t in FIRES])
def test_the_cue_flags_its_example(cue_id: str, text: str) -> None:
    assert cue_id in _rules(text)


@pytest.mark.parametrize(("cue_id", "text"), QUIET, ids=[f"{c}:{t[:30]}" for c, t in QUIET])
def test_the_cue_leaves_its_look_alike_alone(cue_id: str, text: str) -> None:
    assert cue_id not in _rules(text)


def _check_reports(check_id: str, text: str) -> bool:
    review = REVIEWER.review_text(text)
    return check_id in {m.id for m in review.missing} or f"{check_id}-cause_share" in {f.rule for f in review.findings}


@pytest.mark.parametrize(("check_id", "text"), CHECK_FIRES, ids=[f"{c}:{t[:30]}" for c, t in CHECK_FIRES])
def test_the_check_reports_on_its_example(check_id: str, text: str) -> None:
    assert _check_reports(check_id, text)


@pytest.mark.parametrize(("check_id", "text"), CHECK_QUIET, ids=[f"{c}:{t[:30]}" for c, t in CHECK_QUIET])
def test_the_check_is_quiet_on_its_look_alike(check_id: str, text: str) -> None:
    assert not _check_reports(check_id, text)


def test_no_critical_finding_on_second_person_facts() -> None:
    """A critical finding blocks a message on its own, so plain facts about the client's side (their data, their
    refund, their plan) must never raise one, from any cue."""
    for _, cue in CUES:
        if cue.severity != "critical":
            continue
        for text in cue.quiet:
            review = REVIEWER.review_text(text)
            assert [f.rule for f in review.findings if f.severity == "critical"] == [], text
