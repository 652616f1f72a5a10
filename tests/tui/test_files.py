"""Open and save, and the promise behind them: unsaved work is never overwritten or dropped without asking."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static
from tui_helpers import DRAFT, settle, top

from reviewer.service import Reviewer
from tui.app import CandorApp, make_app
from tui.files import load_draft
from tui.screens.modals import ChoiceScreen, PathScreen


def status_text(app: CandorApp) -> str:
    return str(app.review_screen.query_one("#status", Static).render())


async def answer_path(app: CandorApp, pilot: object, path: Path) -> None:
    assert isinstance(app.screen, PathScreen)
    app.screen.query_one("#path", Input).value = str(path)
    await pilot.press("enter")  # type: ignore[attr-defined]


async def test_open_edit_and_save_back_to_the_same_file(reviewer: Reviewer, tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT + "\n", encoding="utf-8")
    app = make_app(reviewer=reviewer, path=draft, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        assert screen.editor.text == DRAFT and not screen.modified
        assert "draft.txt" in str(screen.query_one("#title", Static).render())
        screen.editor.move_cursor(screen.editor.document.end)
        await pilot.press(*" PS")
        assert screen.modified and "●" in str(screen.query_one("#title", Static).render())
        await pilot.press("ctrl+s")
        assert draft.read_text(encoding="utf-8") == DRAFT + " PS\n"
        assert not screen.modified
        assert "Saved" in status_text(app)


async def test_a_new_draft_is_saved_where_the_user_says(reviewer: Reviewer, tmp_path: Path) -> None:
    app = make_app(reviewer=reviewer, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await pilot.press(*"Sorry for the delay.")
        await pilot.press("ctrl+s")
        target = tmp_path / "reply.txt"
        await answer_path(app, pilot, target)
        assert target.read_text(encoding="utf-8") == "Sorry for the delay.\n"
        assert screen.save_path == target and not screen.modified


async def test_save_as_over_an_existing_file_asks_first(reviewer: Reviewer, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("keep me\n", encoding="utf-8")
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f12")
        await answer_path(app, pilot, other)
        assert isinstance(app.screen, ChoiceScreen) and "already exists" in app.screen.question
        await pilot.click("#choice-cancel")
        assert other.read_text(encoding="utf-8") == "keep me\n"
        await pilot.press("f12")
        await answer_path(app, pilot, other)
        await pilot.click("#choice-overwrite")
        assert other.read_text(encoding="utf-8") == DRAFT + "\n"


async def test_a_file_changed_on_disk_is_not_overwritten_silently(reviewer: Reviewer, tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT + "\n", encoding="utf-8")
    app = make_app(reviewer=reviewer, path=draft, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        draft.write_text("someone else's version, longer than before\n" + DRAFT, encoding="utf-8")
        await pilot.press(*"X")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ChoiceScreen) and "changed on disk" in app.screen.question
        await pilot.press("escape")
        assert draft.read_text(encoding="utf-8").startswith("someone else's version")


async def test_open_with_unsaved_changes_asks_then_opens(reviewer: Reviewer, tmp_path: Path) -> None:
    other = tmp_path / "other.md"
    other.write_text("We missed the date. Sorry.\n", encoding="utf-8")
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await pilot.press(*"X")  # unsaved work
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, ChoiceScreen) and "unsaved changes" in app.screen.question
        await pilot.click("#choice-cancel")
        assert top(app) is screen and screen.editor.text == "X" + DRAFT

        await pilot.press("ctrl+o")
        await pilot.click("#choice-discard")
        await answer_path(app, pilot, other)
        assert screen.editor.text == "We missed the date. Sorry."
        assert screen.save_path == other and not screen.modified
        await settle(pilot)
        assert screen.review is not None and screen.review.text == "We missed the date. Sorry."
        await pilot.press("ctrl+z")  # opening a file is not an edit of the previous draft
        assert screen.editor.text == "We missed the date. Sorry."


async def test_opening_a_file_that_is_not_a_message_keeps_the_draft(reviewer: Reviewer, tmp_path: Path) -> None:
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\x00\x00\x00binary")
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await pilot.press("ctrl+o")
        await answer_path(app, pilot, binary)
        assert screen.editor.text == DRAFT
        assert "looks binary" in status_text(app)


async def test_quitting_with_unsaved_work_asks_and_save_then_quits(reviewer: Reviewer, tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT + "\n", encoding="utf-8")
    app = make_app(reviewer=reviewer, path=draft, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"X")
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ChoiceScreen) and "before quitting" in app.screen.question
        await pilot.press("escape")
        assert app.is_running and app.review_screen.editor.text == "X" + DRAFT
        await pilot.press("ctrl+q")
        await pilot.click("#choice-save")
        await pilot.pause()
        assert not app.is_running
    assert draft.read_text(encoding="utf-8") == "X" + DRAFT + "\n"


async def test_quitting_without_unsaved_work_does_not_ask(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_an_email_is_never_saved_over_its_source(reviewer: Reviewer, tmp_path: Path) -> None:
    eml = tmp_path / "reply.eml"
    original = (
        b"From: sam@example.com\nTo: dana@example.com\nSubject: Dashboard\n\n"
        b"Hi Dana,\n\nThe dashboard is late. Sorry.\n\nSam\n"
    )
    eml.write_bytes(original)
    app = make_app(reviewer=reviewer, path=eml, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        assert screen.editor.text.startswith("Hi Dana,")
        assert "new file" in status_text(app)
        await pilot.press(*"X")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, PathScreen)
        suggested = Path(app.screen.query_one("#path", Input).value)
        assert suggested != eml and suggested.parent == tmp_path
        await pilot.press("enter")
        assert suggested.read_text(encoding="utf-8").startswith("XHi Dana,")
    assert eml.read_bytes() == original


def test_a_path_that_does_not_exist_yet_opens_as_a_new_draft(tmp_path: Path, reviewer: Reviewer) -> None:
    draft = load_draft(tmp_path / "new.txt", reviewer.settings)
    assert draft.text == "" and draft.save_path == tmp_path / "new.txt" and draft.stamp is None


async def test_save_as_onto_the_email_it_came_from_offers_a_new_file_instead(
    reviewer: Reviewer, tmp_path: Path
) -> None:
    eml = tmp_path / "reply.eml"
    original = (
        b"From: sam@example.com\nTo: dana@example.com\nSubject: Dashboard\n\n"
        b"Hi Dana,\n\nThe dashboard is late. Sorry.\n\nSam\n\n> On Monday Dana wrote:\n> Where is it?\n"
    )
    eml.write_bytes(original)
    app = make_app(reviewer=reviewer, path=eml, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await pilot.press(*"X")
        await pilot.press("f12")
        await answer_path(app, pilot, eml)  # the very file it came from
        assert not isinstance(app.screen, ChoiceScreen), "never an Overwrite button for an email"
        assert isinstance(app.screen, PathScreen)
        offered = Path(app.screen.query_one("#path", Input).value)
        assert offered != eml and offered.parent == tmp_path
        assert "never saves over it" in str(app.screen.query_one("#hint", Static).render())
        assert eml.read_bytes() == original
        await pilot.press("enter")
        assert offered.read_text(encoding="utf-8").startswith("XHi Dana,")
        assert screen.save_path == offered and not screen.modified
    assert eml.read_bytes() == original


def test_an_email_opened_says_what_was_left_out_as_candor_check_does(tmp_path: Path, reviewer: Reviewer) -> None:
    from reviewer.inputs import read_source

    eml = tmp_path / "reply.eml"
    eml.write_text(
        "From: sam@example.com\nTo: ana@example.com\nSubject: Re: launch\n\nHi Ana,\n\nThe launch slips to Friday. "
        "I'm sorry.\n\nSam\n-- \nSam Lee, Acme\n\nOn Mon, 2 Jun 2025, Ana wrote:\n> Where is it?\n",
        encoding="utf-8",
    )
    draft = load_draft(eml, reviewer.settings)
    left_out = read_source(str(eml), max_bytes=10**6, max_chars=10**6).notes
    assert left_out and all(note in (draft.note or "") for note in left_out)
    assert "Left out" in (draft.note or "") and draft.save_path is None
