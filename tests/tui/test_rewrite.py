"""The rewrite view: a diff against the draft, changed facts flagged, accept (undoable) or copy."""

from __future__ import annotations

from textual.widgets import Static
from tui_helpers import DRAFT, ModelStyleEngine, deep_settled, fixed_engine, settle, top, until

from reviewer.gate import shown_score
from reviewer.service import Reviewer
from tui.app import make_app
from tui.screens.rewrite import RewriteScreen
from tui.widgets.diff import DELETED, INSERTED, render_diff


def test_the_diff_strikes_what_goes_and_marks_what_comes() -> None:
    content = render_diff("We will ship it ASAP. Sorry.", "We will ship it by Friday. Sorry.")
    assert content.plain == "We will ship it ASAPby Friday. Sorry."
    styled = {content.plain[s.start : s.end]: s.style for s in content.spans}
    assert styled["ASAP"] == DELETED
    assert styled["by Friday"] == INSERTED


async def test_accepting_the_rewrite_replaces_the_draft_and_undo_brings_it_back(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        review = screen.review
        assert review is not None and review.rewrite is not None
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, RewriteScreen)
        diff = str(app.screen.query_one("#rewrite-diff", Static).render())
        assert "Next steps" in diff or review.rewrite.text.splitlines()[-1] in diff
        await pilot.press("a")
        assert top(app) is screen
        assert screen.editor.text == review.rewrite.text
        await settle(pilot)
        assert screen.review is not None and screen.review.text == review.rewrite.text
        await pilot.press("ctrl+z")
        assert screen.editor.text == DRAFT


async def test_the_rewrite_screen_shows_the_rewrites_scores_next_to_the_drafts(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        review = screen.review
        assert review is not None and review.rewrite is not None and review.rewrite.dimensions is not None
        await pilot.press("ctrl+r")
        shown = str(app.screen.query_one("#rewrite-scores", Static).render())
        assert "placeholders unfilled" in shown
        for before, after in zip(review.dimensions, review.rewrite.dimensions, strict=True):
            assert f"{before.title} {before.score}→{after.score}" in shown
        assert review.rewrite.overall is not None and f"→{shown_score(review.rewrite.overall)}" in shown


async def test_closing_the_rewrite_changes_nothing_and_copy_puts_it_on_the_clipboard(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        assert screen.review is not None and screen.review.rewrite is not None
        await pilot.press("ctrl+r")
        await pilot.press("c")
        assert app.clipboard == screen.review.rewrite.text
        assert "Copied" in str(app.screen.query_one("#rewrite-status", Static).render())
        await pilot.press("escape")
        assert top(app) is screen
        assert screen.editor.text == DRAFT


async def test_facts_the_model_rewrite_changed_are_flagged(reviewer: Reviewer) -> None:
    app = make_app(
        reviewer=reviewer, text=DRAFT, review_delay=0.0, deep_engine_factory=fixed_engine(ModelStyleEngine())
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        await pilot.press("ctrl+l")
        await until(pilot, deep_settled(app))
        deep = screen.deep_review
        assert deep is not None and deep.rewrite is not None and deep.rewrite.changed_facts
        await pilot.press("ctrl+r")
        facts = str(app.screen.query_one("#rewrite-facts", Static).render())
        assert "Check these facts" in facts
        for fact in deep.rewrite.changed_facts:
            assert f"{fact.change} {fact.kind}: {fact.value}" in facts
        await pilot.press("escape")

        screen.editor.move_cursor(screen.editor.document.end)
        await pilot.press(*" PS")  # the model saw an older draft now: the view says so, facts are re-checked
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, RewriteScreen) and app.screen.stale
        assert "earlier version" in str(app.screen.query_one("#rewrite-legend", Static).render())


def test_a_rewritten_sentence_reads_as_the_old_phrase_then_the_new_one_not_word_fragments() -> None:
    draft = "The deadline was missed because the vendor was late. We will ship on 3 May."
    rewrite = "We missed the deadline, and that is on us. We will ship on 3 May."
    content = render_diff(draft, rewrite)
    styled = [(content.plain[s.start : s.end], s.style) for s in content.spans]
    assert styled == [
        ("The deadline was missed because the vendor was late", DELETED),
        ("We missed the deadline, and that is on us", INSERTED),
    ]
    assert content.plain.endswith("on us. We will ship on 3 May.")


def test_changes_with_three_unchanged_words_between_them_stay_apart() -> None:
    content = render_diff(
        "We will ship it ASAP and fix the slight delay soon.", "We will ship it by Friday and fix the delay soon."
    )
    styled = [(content.plain[s.start : s.end].strip(), s.style) for s in content.spans]
    assert styled == [("ASAP", DELETED), ("by Friday", INSERTED), ("slight", DELETED)]
    assert "and fix the" in content.plain


async def test_an_accepted_scaffold_scores_as_its_dialog_said_and_is_not_scaffolded_twice(reviewer: Reviewer) -> None:
    """The blanks of an accepted scaffold are read as blanks in the editor too (no credit for the words inside
    "[what this changes for you: your launch ...]"), so the live scores are the ones the dialog showed; and asking for
    a rewrite again does not stack a second "Next steps:" block of the same blanks."""
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        review = screen.review
        assert review is not None and review.rewrite is not None and review.rewrite.overall is not None
        assert "Next steps:" in review.rewrite.text
        await pilot.press("ctrl+r")
        await pilot.press("a")
        await settle(pilot)
        accepted = screen.review
        assert accepted is not None and accepted.text == review.rewrite.text
        # The same scores; the overall within a hair (the blank keeps its brackets and "by", a length measure).
        assert [d.score for d in accepted.dimensions] == [d.score for d in review.rewrite.dimensions or ()]
        assert abs(accepted.overall - review.rewrite.overall) < 0.05
        assert not [f for f in accepted.findings if f.severity == "positive" and "[" in f.quote]
        again = accepted.rewrite
        assert again is None or again.text.count("Next steps:") == 1


async def test_the_rewrite_screen_lists_what_it_could_not_fix(reviewer: Reviewer) -> None:
    draft = (
        "Hi Dana,\n\nThe launch slipped a bit on Friday because your team took a week to approve the designs.\n\nSam"
    )
    app = make_app(reviewer=reviewer, text=draft, review_delay=0.0)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        review = screen.review
        assert review is not None and review.rewrite is not None and review.rewrite.unapplied
        await pilot.press("ctrl+r")
        shown = str(app.screen.query_one("#rewrite-scores", Static).render())
        for unfixed in review.rewrite.unapplied:
            assert f"not fixed: “{unfixed.quote[:20]}" in shown and unfixed.reason in shown
