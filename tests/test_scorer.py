"""The fitted scorer: weights are validated data, a review reads them, and the fit is reproducible."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evals.fit_scorer import evidence_rubric, fit
from evals.runner import REALISTIC_DEV, load_labelled
from reviewer import Reviewer
from reviewer.config import Settings
from reviewer.engines.rules import RulesEngine
from reviewer.errors import RubricError
from reviewer.models import Message
from reviewer.prompts import rubric_dir
from reviewer.rubric import load_rubric
from reviewer.scorer import SCORER_FILE

RUBRIC = rubric_dir(Settings().prompts_dir)
HOSTILE = (
    "Frankly this complaint is ridiculous. If you had bothered to read the manual you would know the reset button "
    "exists. We stand by our product and thousands of satisfied customers agree. Take your business elsewhere."
)
GOOD = (
    "Hi Dana,\n\nI'm sorry: we missed the 3 June handover we promised you. I underestimated the data migration. "
    "I know your team planned training around that date. The new date is 17 June, and Priya owns the cutover. "
    "I'll send you an update every Friday until then, and I'm happy to talk it through on a call this week.\n\nSam"
)


def _copy_rubric(tmp_path: Path) -> Path:
    folder = tmp_path / "rubric"
    shutil.copytree(RUBRIC, folder)
    return folder


def test_the_shipped_rubric_has_fitted_weights_for_every_dimension_and_overall() -> None:
    scorer = Reviewer().rubric.scorer
    assert scorer is not None
    for dim in (*Reviewer().rubric.ids, "overall"):
        assert scorer.knows(dim)


def test_a_hostile_reply_scores_below_an_accountable_one() -> None:
    reviewer = Reviewer()
    hostile, good = reviewer.review_text(HOSTILE), reviewer.review_text(GOOD)
    assert hostile.overall < good.overall - 1
    assert hostile.verdict != "send" and good.verdict != "block"
    assert {"hostile_tone", "deflection"} & {f.family for f in hostile.findings}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: "{not json", "not valid JSON"),
        (lambda d: json.dumps({**d, "schema": "other/9"}), "schema"),
        (lambda d: json.dumps({**d, "features": d["features"][1:]}), "unknown features"),
        (
            lambda d: json.dumps({**d, "dimensions": {"overall": {**d["dimensions"]["overall"], "intercept": 1e999}}}),
            "finite",
        ),
        (
            lambda d: json.dumps(
                {**d, "dimensions": {"overall": {**d["dimensions"]["overall"], "calibration": [[3, 3], [2, 2]]}}}
            ),
            "knots must rise",
        ),
    ],
)
def test_a_broken_weights_file_is_one_line_naming_it(tmp_path: Path, edit: object, message: str) -> None:
    folder = _copy_rubric(tmp_path)
    data = json.loads((folder / SCORER_FILE).read_text(encoding="utf-8"))
    (folder / SCORER_FILE).write_text(edit(data), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(RubricError) as caught:
        load_rubric([folder])
    assert SCORER_FILE in str(caught.value) and message in str(caught.value) and "\n" not in str(caught.value)


def test_without_weights_every_dimension_keeps_its_cue_weights(tmp_path: Path) -> None:
    folder = _copy_rubric(tmp_path)
    (folder / SCORER_FILE).unlink()
    rubric = load_rubric([folder])
    assert rubric.scorer is None and rubric.hash != Reviewer().rubric.hash
    engine = RulesEngine()
    hostile, good = engine.review(Message(text=HOSTILE), rubric), engine.review(Message(text=GOOD), rubric)
    assert hostile.overall < good.overall
    assert (
        hostile.dimensions != Reviewer().review_text(HOSTILE).dimensions
        or hostile.overall != Reviewer().review_text(HOSTILE).overall
    )


def test_a_teams_own_dimension_without_weights_is_scored_from_its_cues(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    source = (RUBRIC / "empathy.toml").read_text(encoding="utf-8")
    (team / "warmth.toml").write_text(
        source.replace('id = "empathy"', 'id = "warmth"', 1)
        .replace('title = "Empathy"', 'title = "Warmth"', 1)
        .replace('id = "hostile_tone-', 'id = "cold_tone-'),
        encoding="utf-8",
    )
    reviewer = Reviewer(Settings(rubric_dirs=(team,)))
    assert "warmth" in reviewer.rubric.ids and reviewer.rubric.scorer is not None
    assert not reviewer.rubric.scorer.knows("warmth")
    hostile, good = reviewer.review_text(HOSTILE), reviewer.review_text(GOOD)
    assert hostile.score("warmth") < good.score("warmth")


def test_switching_a_dimension_off_never_changes_another() -> None:
    every = Reviewer()
    fewer = Reviewer(Settings(disable=("limited_excuses",)))
    for text in (HOSTILE, GOOD, "The launch slipped because your team failed to send the files on time."):
        a, b = every.review_text(text), fewer.review_text(text)
        assert "limited_excuses" not in b.rubric.dimensions
        assert {d.id: d.score for d in b.dimensions} == {
            d.id: d.score for d in a.dimensions if d.id != "limited_excuses"
        }
        assert all(f.dimension != "limited_excuses" for f in b.findings)


def test_the_fit_is_reproducible() -> None:
    examples = load_labelled(REALISTIC_DEV)[:80]
    rubric = evidence_rubric()
    first, _ = fit(examples, rubric)
    second, _ = fit(examples, rubric)
    assert first.to_json() == second.to_json()


def test_switching_any_dimension_off_changes_no_other_score_findings_or_missing_elements() -> None:
    """The cross-dimension dependencies are declared (`satisfied_by` families, validated at load) and a disabled
    dimension's cues are still looked for as evidence, so every other dimension sees the same evidence."""
    every = Reviewer()
    texts = [example.text for example in load_labelled(REALISTIC_DEV)[::12]]
    baseline = [every.review_text(text) for text in texts]
    for dim_id in every.rubric.ids:
        fewer = Reviewer(Settings(disable=(dim_id,)))
        for text, a in zip(texts, baseline, strict=True):
            b = fewer.review_text(text)
            assert {d.id: d.score for d in b.dimensions} == {d.id: d.score for d in a.dimensions if d.id != dim_id}
            kept = [(f.rule, f.start, f.end) for f in a.findings if f.dimension != dim_id]
            assert [(f.rule, f.start, f.end) for f in b.findings] == kept
            assert [m.id for m in b.missing] == [m.id for m in a.missing if m.dimension != dim_id]


def test_the_text_measures_of_an_ascii_text_are_those_of_the_general_path() -> None:
    """An ASCII text's words are read from its lower-cased copy; a text with any other character takes the general
    path, which a trailing em space (no word, no line, no pattern) sends a text down without changing a measure."""
    from reviewer.scorer import text_features
    from reviewer.text import lowered

    lists = Reviewer().rubric.lexicon.features
    texts = [e.text for e in load_labelled(REALISTIC_DEV)]
    ascii_texts = [t for t in texts if t.isascii()]
    assert len(ascii_texts) > 100
    for text in ascii_texts:
        general = text + "\u2003"
        assert text_features(text, lowered(text), lists) == text_features(general, lowered(general), lists)


def test_the_scored_word_features_are_the_full_ones_the_scorer_knows() -> None:
    from reviewer.scorer import WORD_PREFIX, word_features
    from reviewer.text import lowered

    scorer = Reviewer().rubric.scorer
    assert scorer is not None
    pairs = 0
    for example in load_labelled(REALISTIC_DEV):
        low = lowered(example.text)
        full = word_features(low)
        known = {name: value for name, value in full.items() if name.removeprefix(WORD_PREFIX) in scorer.words}
        assert word_features(low, scorer.words) == known
        pairs += sum("_" in name for name in known)
    assert pairs > 100


def test_scoring_every_dimension_in_one_pass_gives_each_dimensions_own_score_exactly() -> None:
    from reviewer.engines.rules import analyse

    rubric = Reviewer().rubric
    scorer = rubric.scorer
    assert scorer is not None
    seen = set()
    for example in load_labelled(REALISTIC_DEV):
        features = analyse(Message(text=example.text), rubric).features
        together = scorer.predict_all(features)
        assert together == {dim: scorer.predict(dim, features) for dim in scorer.dimensions}
        seen.add(together["overall"])
    assert len(seen) > 100


def test_a_features_pushes_are_exactly_what_moved_the_score_from_the_average_message() -> None:
    """The rationale's "held down by" is read off `pushes`: every feature's push (slope times its distance from the
    fit's average message) adds up to the very score the scorer gives, and `pushes` names each one big enough, but
    no word (the fit's topics read as noise to a writer)."""
    from reviewer.engines.rules import analyse
    from reviewer.scorer import PUSH_WORTH_NAMING, WORD_PREFIX

    rubric = Reviewer().rubric
    scorer = rubric.scorer
    assert scorer is not None
    for text in (HOSTILE, GOOD, "Your subscription has lapsed. Buy a new one."):
        features = analyse(Message(text=text), rubric, scored_only=True).features
        for dim in rubric.ids:
            weights = scorer.dimensions[dim]
            assert not weights.calibration
            every = {
                n: c / scorer.scales[n] * (features.get(n, 0.0) - scorer.means[n])
                for n, c in weights.coefficients.items()
            }
            linear = weights.intercept + sum(every.values())
            assert scorer.predict(dim, features) == pytest.approx(max(1.0, min(5.0, linear)))
            nameable = {n: p for n, p in every.items() if abs(p) >= PUSH_WORTH_NAMING and not n.startswith(WORD_PREFIX)}
            pushes = scorer.pushes(dim, features)
            assert dict(pushes) == pytest.approx(nameable)
            assert [abs(p) for _, p in pushes] == sorted((abs(p) for _, p in pushes), reverse=True)


def test_a_fitted_rationale_names_what_held_the_score_down_and_lifts_only_with_what_the_text_has() -> None:
    reviewer = Reviewer()
    curt = reviewer.review_text(
        "If we have not replied, it means we are very busy. Pinging us everywhere will not help. "
        "We will reply once we have enough time."
    )
    solutions = next(d for d in curt.dimensions if d.id == "solutions")
    assert solutions.rationale.startswith(f"{solutions.score}/5: Held down by ")
    assert "many negatives" in solutions.rationale and "short (25 words)" in solutions.rationale
    good = reviewer.review_text(GOOD)
    for dim in good.dimensions:
        assert "no apology" not in dim.rationale and "no date or time" not in dim.rationale
    empathy = next(d for d in good.dimensions if d.id == "empathy")
    assert "Lifted by" in empathy.rationale or "lifted by" in empathy.rationale
    hostile = reviewer.review_text(HOSTILE)
    assert any("hostile tone" in d.rationale for d in hostile.dimensions)


def test_a_dimension_without_fitted_weights_keeps_its_cue_rationale(tmp_path: Path) -> None:
    folder = _copy_rubric(tmp_path)
    (folder / SCORER_FILE).unlink()
    review = RulesEngine().review(Message(text=HOSTILE), load_rubric([folder]))
    assert all(d.rationale.split(": ", 1)[1].startswith(("Hurt by", "Helped by", "No cues")) for d in review.dimensions)


def test_leaving_the_explanation_out_changes_no_score_finding_or_verdict() -> None:
    """`candor batch` reviews with `explain=False`: only the rationales' wording may differ."""
    rubric = Reviewer().rubric
    explained, plain = RulesEngine(rewrite=False), RulesEngine(rewrite=False, explain=False)
    for example in load_labelled(REALISTIC_DEV)[:80]:
        a, b = explained.review(Message(text=example.text), rubric), plain.review(Message(text=example.text), rubric)
        assert (a.overall, a.verdict, a.findings, a.missing) == (b.overall, b.verdict, b.findings, b.missing)
        assert [d.score for d in a.dimensions] == [d.score for d in b.dimensions]
        assert all("Held down" not in d.rationale and "Lifted" not in d.rationale for d in b.dimensions)
