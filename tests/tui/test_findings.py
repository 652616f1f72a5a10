"""Working through the findings: select one to jump to its phrase, read why, apply its fix, undo it."""

from __future__ import annotations

from tui_helpers import DRAFT, settle

from reviewer.rewrite import apply_finding
from reviewer.service import Reviewer
from tui.app import make_app


def status_text(app: object) -> str:
    from textual.widgets import Static

    from tui.app import CandorApp

    assert isinstance(app, CandorApp)
    return str(app.review_screen.query_one("#status", Static).render())


async def test_selecting_a_finding_moves_the_cursor_to_its_phrase_and_shows_why(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        review = screen.review
        assert review is not None and len(review.findings) >= 2
        screen.show_tab("findings")
        await pilot.pause()
        findings_list = screen.findings_list
        findings_list.focus()
        await pilot.press("down")  # highlight the second finding: the cursor follows
        second = review.findings[1]
        editor = screen.editor
        assert editor.selected_text == second.quote
        assert editor.offset_of(editor.cursor_location) == second.end
        assert second.message in status_text(app)
        assert findings_list.has_focus  # arrowing through the list keeps the list focused

        await pilot.press("enter")  # choosing it hands the cursor to the editor
        assert editor.has_focus
        assert editor.selected_text == second.quote


async def test_next_and_previous_finding_keys_walk_the_phrases_in_order(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        assert screen.review is not None
        starts = sorted({m.start for m in screen.editor.marks if m.severity != "positive"})
        assert len(starts) >= 3
        editor = screen.editor
        seen = []
        for _ in range(3):
            await pilot.press("ctrl+n")
            seen.append(editor.offset_of(editor.selection.start))
        assert seen == starts[:3]
        await pilot.press("shift+f8")
        assert editor.offset_of(editor.selection.start) == starts[1]
        quote = editor.selected_text
        assert quote in status_text(app)


async def test_fix_key_applies_the_replacement_and_undo_restores_the_draft(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        review = screen.review
        assert review is not None
        fixable = [
            (i, f)
            for i, f in enumerate(review.findings)
            if f.severity != "positive" and apply_finding(review.text, f, reviewer.rubric.lexicon) is not None
        ]
        assert fixable, "the fixture draft has phrases with a mechanical fix"
        index, finding = fixable[0]
        mark = screen.editor.mark_for(index)
        assert mark is not None
        screen.editor.select_span(mark.start, mark.end)
        await pilot.press("ctrl+f")
        expected = apply_finding(DRAFT, finding, reviewer.rubric.lexicon)
        assert screen.editor.text == expected
        assert screen.modified
        await settle(pilot)
        assert screen.review is not None and screen.review.text == expected
        assert all((f.rule, f.start) != (finding.rule, finding.start) for f in screen.review.findings)

        assert "Ctrl+Z undoes it" in status_text(app)

        await pilot.press("ctrl+z")
        assert screen.editor.text == DRAFT
        assert not screen.modified
        await settle(pilot)
        assert screen.review is not None and screen.review.text == DRAFT
        assert "Fixed" not in status_text(app)  # undone: the status no longer says it is fixed


async def test_fix_key_on_a_phrase_without_a_safe_fix_changes_nothing(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        review = screen.review
        assert review is not None
        unfixable = [
            (i, f)
            for i, f in enumerate(review.findings)
            if f.severity != "positive" and apply_finding(review.text, f, reviewer.rubric.lexicon) is None
        ]
        assert unfixable, "the fixture draft has a phrase only the writer can fix (passive voice)"
        index, finding = unfixable[0]
        mark = screen.editor.mark_for(index)
        assert mark is not None
        screen.editor.select_span(mark.start, mark.end)
        await pilot.press("ctrl+f")
        assert screen.editor.text == DRAFT
        assert "No automatic fix" in status_text(app)

        screen.editor.move_cursor((0, 0))  # "Hi": not a flagged phrase
        await pilot.press("ctrl+f")
        assert screen.editor.text == DRAFT
        assert "Put the cursor on a highlighted phrase" in status_text(app)


UNFIXABLE = DRAFT.replace(
    "Best,", "I'll aim to have it live later this week. Our QA vendor has also been slower than usual.\n\nBest,"
)
"""Two phrases with a listed replacement that Ctrl+F must refuse: each fix would delete a fact or leave a fragment."""


async def test_each_phrase_announces_exactly_what_ctrl_f_then_does(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=UNFIXABLE, review_delay=0.0)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        review = screen.review
        assert review is not None
        offered = [
            (i, f) for i, f in enumerate(review.findings) if f.severity != "positive" and f.replacement is not None
        ]
        refused = [f for _, f in offered if apply_finding(review.text, f, reviewer.rubric.lexicon) is None]
        assert refused, "the draft has phrases whose listed replacement Ctrl+F refuses"
        for index, finding in offered:
            mark = screen.editor.mark_for(index)
            assert mark is not None
            screen.editor.select_span(mark.start, mark.end)
            await pilot.pause()
            announced = status_text(app)
            option = str(screen.findings_list.get_option_at_index(index).prompt)
            await pilot.press("ctrl+f")
            if finding in refused:
                assert "no automatic fix" in announced and "Ctrl+F:" not in announced, announced
                assert "Ctrl+F fixes" not in option
                assert screen.editor.text == UNFIXABLE and "No automatic fix" in status_text(app)
            else:
                assert "Ctrl+F:" in announced and "Ctrl+F fixes" in option
                assert screen.editor.text == apply_finding(UNFIXABLE, finding, reviewer.rubric.lexicon)
                await pilot.press("ctrl+z")
                await settle(pilot)
            assert screen.editor.text == UNFIXABLE


async def test_a_phrase_selected_by_ctrl_n_says_that_typing_replaces_it(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.review_screen
        editor = screen.editor
        await settle(pilot)
        assert "typing replaces" not in str(editor.border_subtitle)
        await pilot.press("ctrl+n")
        assert editor.selected_text  # the phrase is selected, so the next key replaces it...
        assert "typing replaces it" in str(editor.border_subtitle)  # ...and the editor says so where it is seen
        await pilot.pause()
        assert "typing replaces it" in app.export_screenshot().replace("\xa0", " ").replace("&#160;", " ")
        await pilot.press("right")  # an arrow keeps the phrase: nothing selected, nothing to say
        assert not editor.selected_text and editor.text == DRAFT
        assert "typing replaces" not in str(editor.border_subtitle)


async def test_the_next_finding_key_skips_what_already_works(reviewer: Reviewer) -> None:
    """Ctrl+N walks the problems: a green "working well" phrase is not a stop on the way to the next fix."""
    draft = "Hi Dana,\n\nI'm sorry: we missed the handover. Thanks for your patience. It ships ASAP.\n\nSam"
    app = make_app(reviewer=reviewer, text=draft, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        marks = screen.editor.marks
        assert any(m.severity == "positive" for m in marks) and any(m.severity != "positive" for m in marks)
        editor = screen.editor
        for _ in range(len(marks) + 1):
            await pilot.press("ctrl+n")
            here = editor.offset_of(editor.selection.start)
            assert all(m.severity != "positive" for m in marks if m.start == here), here
