"""Writing a draft: paste, undo, live scores after a pause, highlights at the findings' spans, context fields."""

from __future__ import annotations

from textual import events
from textual.widgets import Input
from tui_helpers import DRAFT, settle, until

from reviewer.models import Message
from reviewer.service import Reviewer
from tui.app import make_app
from tui.widgets.scores import render_scores


async def test_typing_updates_the_scores_after_a_pause(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, review_delay=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        assert screen.review is None  # an empty editor is not reviewed (it would score as a perfect message)
        await pilot.press(*"Sorry, the report is late. We will send it ASAP.")
        await settle(pilot)
        typed = "Sorry, the report is late. We will send it ASAP."
        expected = reviewer.review(Message(text=typed))
        assert screen.review is not None and screen.review.text == typed
        assert [d.score for d in screen.review.dimensions] == [d.score for d in expected.dimensions]
        assert screen.review.verdict == expected.verdict
        panel = str(screen.score_panel.render())
        assert panel == render_scores(expected).plain
        for dim in expected.dimensions:
            assert dim.title in panel
        assert expected.verdict.upper() in panel


async def test_reviews_wait_for_a_pause_in_typing(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.5)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        before = screen.generation
        screen.editor.move_cursor(screen.editor.document.end)
        await pilot.press(*" Thanks")
        assert screen.generation == before  # still typing: nothing re-reviewed yet
        await settle(pilot)
        assert screen.generation == before + 1  # one review for the whole burst of keys
        assert screen.review is not None and screen.review.text.endswith("Thanks")


async def test_paste_of_a_long_email_and_undo(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        long_email = "\r\n".join([DRAFT.replace("\n", "\r\n")] * 6)
        app.post_message(events.Paste(long_email))  # as the terminal delivers a bracketed paste
        await settle(pilot)
        assert screen.editor.text == "\n".join([DRAFT] * 6)
        assert screen.review is not None and len(screen.review.findings) >= 6
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert screen.editor.text == ""
        assert screen.review is None


async def test_findings_are_highlighted_at_their_spans_and_follow_edits(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=10.0)  # no re-review during the edit below
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        editor = screen.editor
        await settle(pilot)
        review = screen.review
        assert review is not None and review.findings
        for mark in editor.marks:
            finding = review.findings[mark.index]
            assert editor.text[mark.start : mark.end] == finding.quote
        first = min(editor.marks, key=lambda m: m.start)
        row, column = editor.location_of(first.start)
        painted = [h for h in editor._highlights[row] if h[2] == f"candor-{first.severity}"]
        assert any(start <= column < (end or len(editor.text)) for start, end, _ in painted)

        editor.move_cursor((0, 0))
        await pilot.press(*"Hello. ")
        assert editor.text.startswith("Hello. ")
        assert screen.review is review  # not re-reviewed yet, but the marks moved with the text
        for mark in editor.marks:
            assert editor.text[mark.start : mark.end] == review.findings[mark.index].quote
        row, column = editor.location_of(first.start + 7)
        assert any(start <= column < (end or len(editor.text)) for start, end, _ in editor._highlights[row])


async def test_situation_and_client_feed_the_review(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0, situation="outage")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        assert screen.reviewed is not None and screen.reviewed.situation == "outage"
        app.query_one("#client", Input).focus()
        await pilot.press(*"Dana")
        await settle(pilot)
        assert screen.reviewed is not None
        assert (screen.reviewed.situation, screen.reviewed.client) == ("outage", "Dana")
        await until(pilot, lambda: screen.review is not None and screen.review.situation == "outage")


async def test_a_draft_with_nothing_to_fix_shows_what_to_aim_for(reviewer: Reviewer) -> None:
    typed = "Your plan has lapsed. You will have to buy a new one to keep using Workloom Plus. Email me to discuss it."
    expected = reviewer.review(Message(text=typed))
    assert not expected.problems and not expected.missing and expected.suggestions
    app = make_app(reviewer=reviewer, text=typed, review_delay=0.1)
    async with app.run_test(size=(110, 40)) as pilot:
        await settle(pilot)
        panel = str(app.review_screen.score_panel.render())
        assert "To aim for" in panel and expected.suggestions[0][:40] in panel
