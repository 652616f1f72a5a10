"""The rewrite is reviewed by the draft's own engine: its scores travel with the review, it never scores lower than
the draft on any dimension, and a placeholder is not credited as if the writer had filled it in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer import Reviewer
from reviewer.engines.rules import RulesEngine
from reviewer.gate import shown_score
from reviewer.models import Message, Review
from reviewer.render import rewrite_score_lines
from reviewer.rewrite import RESCORE_BUDGET, no_rewrite_reason, scaffold_rewrite, unfilled, with_sample_values
from tests.conftest import ROOT

REALISTIC = [
    json.loads(line)
    for name in ("dev.jsonl", "test.jsonl")
    for line in (ROOT / "evals/data/realistic" / name).read_text(encoding="utf-8").splitlines()
    if line.strip()
]
LATE = "Hi Dana,\n\nThe report is late. We will have it ready soon.\n\nPriya\n"


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer()


def test_no_rewrite_scores_lower_than_its_draft_on_any_dimension(reviewer: Reviewer) -> None:
    rewritten = higher = 0
    for message in REALISTIC:
        review = reviewer.review_text(message["text"])
        if review.rewrite is None:
            continue
        rewritten += 1
        assert review.rewrite.dimensions is not None and review.rewrite.overall is not None
        after = {d.id: d.score for d in review.rewrite.dimensions}
        for dim in review.dimensions:
            assert after[dim.id] >= dim.score, (message["id"], dim.id)
        higher += review.rewrite.overall > review.overall
    assert rewritten > 200 and higher > rewritten * 0.8


def test_the_rewrite_scores_are_the_engines_review_of_the_unfilled_rewrite(reviewer: Reviewer) -> None:
    review = reviewer.review_text(LATE)
    assert review.rewrite is not None and "Next update: [day and time]" in review.rewrite.text
    again = RulesEngine().judge(Message(text=unfilled(review.rewrite.text, LATE)), reviewer.rubric)
    assert review.rewrite.dimensions == again.dimensions and review.rewrite.verdict == again.verdict
    # A blank is not a date or a next update: both are still owed until the writer fills them in.
    assert {"new_date", "next_update"} <= {m.id for m in again.missing}
    # The scaffold's own blanks are blanks wherever they sit: the rewrite reviewed as a draft of its own (accepted
    # in the editor, saved to a file) owes them too, and scores as its re-review said.
    as_a_draft = RulesEngine().judge(Message(text=review.rewrite.text), reviewer.rubric)
    assert {"new_date", "next_update"} <= {m.id for m in as_a_draft.missing}
    assert [d.score for d in as_a_draft.dimensions] == [d.score for d in again.dimensions]
    assert not [f for f in as_a_draft.findings if f.severity == "positive" and "[" in f.quote]
    # A template's own blanks still read as its structure: "[new date]" is where its new date goes.
    template = RulesEngine().judge(Message(text="The launch slips. New date: [new date]."), reviewer.rubric)
    assert "new_date" not in {m.id for m in template.missing}


def test_a_template_drafts_own_placeholders_are_judged_as_in_the_draft() -> None:
    draft = "Hi [name], the launch slips. New date: [new date]. Sorry for any inconvenience."
    rewrite = draft.replace("Sorry for any inconvenience.", "I'm sorry [for what happened, in your words].")
    assert unfilled(rewrite, draft) == draft.replace("Sorry for any inconvenience.", "I'm sorry ___.")


def test_an_edit_that_would_lower_a_score_is_dropped(reviewer: Reviewer) -> None:
    message = Message(text=LATE)
    draft = RulesEngine().judge(message, reviewer.rubric)
    worse = tuple(d.model_copy(update={"score": 1}) if d.id == "transparency" else d for d in draft.dimensions)

    def scores(text: str) -> Review:
        # A stand-in engine that dislikes one edit: any rewrite with "ready by [date...]" (read as "ready ___": a blank
        # time is no time) loses transparency.
        return draft.model_copy(update={"dimensions": worse if "ready ___" in text else draft.dimensions})

    rewrite = scaffold_rewrite(
        message,
        reviewer.rubric.lexicon,
        list(draft.findings),
        list(draft.missing),
        draft_scores=draft.dimensions,
        scores=scores,
    )
    assert rewrite is not None and "ready soon" in rewrite.text and "Next steps:" in rewrite.text
    assert any("soon" in line and "transparency" in line for line in rewrite.dropped_edits)
    assert any(u.quote == "soon" and "lower a score" in u.reason for u in rewrite.unapplied)


def test_cli_shows_the_rewrite_scores_in_text_and_json(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("candor")
    draft = tmp_path / "late.txt"
    draft.write_text(LATE, encoding="utf-8")
    text = subprocess.run([str(script), "check", str(draft)], capture_output=True, text=True, check=False)
    assert text.returncode == 0 and "Rewrite as it stands (placeholders unfilled): Transparency" in text.stdout
    out = subprocess.run(
        [str(script), "check", str(draft), "--format", "json"], capture_output=True, text=True, check=False
    )
    rewrite = json.loads(out.stdout)["rewrite"]
    assert {d["id"] for d in rewrite["dimensions"]} >= {"transparency", "solutions"}
    assert 1 <= rewrite["overall"] <= 5 and rewrite["verdict"] in {"send", "revise", "block"}


def test_candor_eval_reports_rewrites_and_the_fact_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from reviewer.cli import main

    code = main(["eval", "--resamples", "20", "--out", str(tmp_path), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    figures = json.loads(captured.out)["figures"]
    rewrites, facts = figures["rewrites"], figures["fact_check"]
    assert rewrites["rewritten"] > 100 and rewrites["rescored"] == rewrites["rewritten"]
    assert rewrites["lower_somewhere"] == 0 and rewrites["facts_kept"] == rewrites["rewritten"]
    assert 0.5 < rewrites["share_below_send_higher"] <= 1
    # Every draft below send that is not improved is accounted for, by why.
    why = rewrites["below_send_not_higher"]
    assert sum(why.values()) == rewrites["below_send"] - rewrites["below_send_higher"]
    assert set(why) <= {"no rewrite", "placeholders only", "written changes, not scored higher"}
    assert facts["precision"] >= 0.95 and facts["recall"] >= 0.95
    report = next(tmp_path.glob("*.md")).read_text(encoding="utf-8")
    assert "drafts below send whose rewrite scores higher" in report and "fact check on" in report
    assert "does not score higher: " in report


def test_a_draft_below_send_without_a_rewrite_says_why() -> None:
    from evals.runner import load_dataset

    reviewer = Reviewer()
    _, dev = load_dataset("realistic", "dev")
    below = [RulesEngine().review(Message(text=e.text), reviewer.rubric) for e in dev]
    without = [r for r in below if r.verdict != "send" and r.rewrite is None]
    for review in without:
        assert any(n.startswith("No rewrite is suggested:") for n in review.notes)
    assert not any(n.startswith("No rewrite") for r in below if r.rewrite is not None for n in r.notes)
    assert any(n.startswith("No rewrite is suggested:") for n in review.notes)


def test_nothing_to_fix_is_named_as_the_reason() -> None:
    lexicon = Reviewer().rubric.lexicon
    reason = no_rewrite_reason(Message(text="Noted. The matter is closed on our side."), lexicon, [], [])
    assert reason.startswith("No rewrite is suggested: no phrase or missing element has a fix")


def test_without_a_rewrite_each_listed_fix_still_says_why_it_was_not_made(reviewer: Reviewer) -> None:
    # A flagged phrase whose fix cannot be made safely is not "nothing to fix": the writer is told what and why.
    draft = (
        "Hi Dana,\n\nIn short, we haven't mentioned it because things are running more or less on schedule. We'll "
        "probably ship a week or two later than first planned, because the beta kits went out a few weeks later "
        "than we'd hoped.\n\nSam"
    )
    review = reviewer.review_text(draft)
    assert review.rewrite is None and review.verdict != "send"
    (note,) = [n for n in review.notes if n.startswith("No rewrite is suggested:")]
    assert "“more or less on schedule”: its sentence says more than the flagged words" in note


def test_a_draft_with_more_fixes_than_the_budget_says_so() -> None:
    reviewer = Reviewer()
    text = "Hi Dana,\n\n" + " ".join(f"We will fix item {i} ASAP." for i in range(RESCORE_BUDGET + 5)) + "\n\nSam"
    review = RulesEngine().review(Message(text=text), reviewer.rubric)
    assert review.rewrite is None and review.verdict != "send"
    assert any(f"more than a patched draft can carry (over {RESCORE_BUDGET})" in n for n in review.notes)


def test_a_block_of_blanks_earns_nothing(reviewer: Reviewer) -> None:
    """A "Next steps:" block whose every line is still a placeholder is read as not there: its heading and labels
    once raised a re-review by their words and length alone (a subscription notice went from 3.35 to 3.59)."""
    draft = "Your subscription has lapsed. Buy a new one to keep using Workloom Plus. Email me to discuss it."
    rewrite = (
        draft
        + "\n\nNext steps:\n- Next update: [day and time], then [cadence]\n- Owner: [name], who will keep you informed"
    )
    assert unfilled(rewrite, draft) == draft
    assert reviewer.review_text(unfilled(rewrite, draft)).overall == reviewer.review_text(draft).overall


def test_a_filled_line_keeps_its_heading_and_the_drafts_own_blanks_stay() -> None:
    draft = "The export failed.\n\n- Date: ___\n\nSam"
    rewrite = "The export failed.\n\n- Date: ___\n\nNext steps:\n- Owner: Sam\n- Next update: [day and time]\n\nSam"
    assert unfilled(rewrite, draft) == "The export failed.\n\n- Date: ___\n\nNext steps:\n- Owner: Sam\n\nSam"
    alone = "The export failed.\n\nNext steps:\n- Next update: [day and time]\n\nSam"
    assert unfilled(alone, "The export failed.\n\nSam") == "The export failed.\n\nSam"


def test_a_draft_with_nothing_to_fix_is_told_what_its_low_scores_mean(tmp_path: Path) -> None:
    """Its scores come from the fitted scorer, not from any phrase: each low one's rationale says what held it down
    (its length, no date), or what the level means when no one thing did, and the suggestions name the lowest
    dimensions with the rubric's description of a 4 (also in the text output)."""
    from reviewer.engines.rules import AIM

    draft = (
        "Your subscription has lapsed. You will have to purchase a new one if you want to keep using Workloom Plus. "
        "Email me if you would like to discuss it further."
    )
    reviewer = Reviewer()
    review = reviewer.review_text(draft)
    assert review.verdict != "send" and not review.problems and not review.missing
    scales = {dim.id: dim.scale for dim in reviewer.rubric.dimensions}
    for dim in review.dimensions:
        said = dim.rationale.removeprefix(f"{dim.score}/5: ")
        if dim.score < AIM:  # what held it down, or (when no one thing did) what the level means
            assert (
                said.startswith("Held down by")
                or said == f"No one thing holds it down; a {dim.score} is: {scales[dim.id][str(dim.score)]}"
            )
    transparency = next(d for d in review.dimensions if d.id == "transparency")
    assert "short (30 words)" in transparency.rationale and "no date or time" in transparency.rationale
    lowest = min(review.dimensions, key=lambda d: d.score)
    assert review.suggestions[0] == f"{lowest.title} {lowest.score}/5; a {AIM} reads: {scales[lowest.id][str(AIM)]}"
    assert all(int(line.split("/5")[0].split()[-1]) < AIM for line in review.suggestions)
    path = tmp_path / "draft.txt"
    path.write_text(draft, encoding="utf-8")
    script = Path(sys.executable).with_name("candor")
    shown = subprocess.run([str(script), "check", str(path)], capture_output=True, text=True, check=False)
    assert "To aim for" in shown.stdout and review.suggestions[0].split(";")[0] in shown.stdout


def test_a_draft_with_phrases_to_fix_gets_no_aims() -> None:
    review = Reviewer().review_text("Hi Ana, the export failed because of the vendor. It will be fixed soon. Bo")
    assert review.problems and not any("; a 4 reads:" in line for line in review.suggestions)


def test_a_rewrite_that_would_still_be_blocked_says_so_beside_its_scores(reviewer: Reviewer) -> None:
    from reviewer.render import render_text, rewrite_score_lines

    blamed = "Hi Dana,\n\nYour team failed to send the figures, so the report is late and that is on you.\n\nSam\n"
    review = reviewer.review_text(blamed)
    assert review.rewrite is not None and review.rewrite.verdict == "block"
    said = " ".join(rewrite_score_lines(review, width=10_000))
    assert "It would still be blocked: what it could not fix is below" in said
    assert "not fixed: “Your team failed to send the figures”" in render_text(review)
    fixed = reviewer.review_text(LATE)
    assert fixed.rewrite is not None and fixed.rewrite.verdict != "block"
    assert "still be blocked" not in " ".join(rewrite_score_lines(fixed, width=10_000))


def test_blanks_are_never_credited_but_what_filling_them_is_worth_is_projected(tmp_path: Path) -> None:
    """A rewrite that only adds blanks scores as the draft does (nothing is written yet), and beside that score
    the review projects it with plain sample values in the blanks, by the same engine: in the JSON and the CLI."""
    draft = "Hi Dana,\n\nThe export job failed last night and the report will be late. We are looking into it.\n\nSam\n"
    reviewer = Reviewer()
    review = reviewer.review_text(draft)
    rewrite = review.rewrite
    assert rewrite is not None and rewrite.overall is not None and rewrite.filled_overall is not None
    projected = reviewer.engine.judge(Message(text=with_sample_values(rewrite.text, draft)), reviewer.rubric)
    assert (rewrite.filled_overall, rewrite.filled_verdict) == (projected.overall, projected.verdict)
    assert rewrite.filled_overall > rewrite.overall >= review.overall
    assert Review.from_json(review.to_json()).rewrite == rewrite
    path = tmp_path / "draft.txt"
    path.write_text(draft, encoding="utf-8")
    script = Path(sys.executable).with_name("candor")
    shown = subprocess.run([str(script), "check", str(path)], capture_output=True, text=True, check=False).stdout
    shown = " ".join(shown.split())  # as one line, however it was wrapped
    assert (
        f"overall {shown_score(rewrite.overall)}→{shown_score(rewrite.filled_overall)} ({rewrite.filled_verdict})"
        in shown
    )
    assert "Once its blanks are filled in" in shown


def test_sample_values_fill_only_the_blanks_the_rewrite_added() -> None:
    draft = "The new date is [new date]. Sorry."
    rewrite = (
        "The new date is [new date]. Sorry.\n\nNext steps:\n- Next update: [day and time], then [cadence]\n"
        "- Owner: [name]"
    )
    filled = with_sample_values(rewrite, draft)
    assert filled.startswith("The new date is [new date].")
    assert "[" not in filled.split("Next steps:")[1]
    assert "Friday at 10:00, then every Friday" in filled and "Owner: Priya Shah" in filled
    assert with_sample_values(draft, draft) == draft
    assert with_sample_values("Call us [whenever works]", "") == "Call us the details"


def test_a_rewrite_with_no_blank_has_no_projection() -> None:
    draft = (
        "I am sorry: we missed the 3 June handover. I know your team planned training around it. That is on us. "
        "The new date is 17 June; Priya owns the cutover and I will update you every Friday. Frankly, it was a hard "
        "month."
    )
    review = Reviewer().review_text(draft)
    assert review.rewrite is not None and review.rewrite.overall is not None
    assert "[" not in review.rewrite.text and review.rewrite.filled_overall is None
    assert review.rewrite.text.endswith("It was a hard month.")
    assert not [line for line in rewrite_score_lines(review) if "Once its blanks" in line]
