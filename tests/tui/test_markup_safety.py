"""Issue 13, item 18: text from outside (an engine's error, a file name) is shown as text, never parsed as Textual
markup: "[/]" in a deep-review error does not crash the app (and lose the draft), "[$x]" does not vanish."""

from __future__ import annotations

from textual.widgets import Static
from tui_helpers import DRAFT, deep_settled, fixed_engine, settle, until

from reviewer.config import Settings
from reviewer.engines.fake import FakeEngine
from reviewer.errors import EngineError
from reviewer.service import Reviewer
from tui.app import make_app

MARKUP = "proxy said [/] and [bold]x[/bold] about [$x] (see [link=http://a]here[/link])"


class MarkupFailingEngine(FakeEngine):
    def __init__(self) -> None:
        super().__init__(lambda request: EngineError(MARKUP), settings=Settings(model="broken"), rules=True)


async def test_a_deep_review_error_with_markup_is_shown_as_text_and_the_app_keeps_the_draft(
    reviewer: Reviewer,
) -> None:
    app = make_app(
        reviewer=reviewer, text=DRAFT, review_delay=0.0, deep_engine_factory=fixed_engine(MarkupFailingEngine())
    )
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        await pilot.press("ctrl+l")
        await until(pilot, deep_settled(app), what="the failure")
        await settle(pilot)
        assert app.is_running and screen.editor.text == DRAFT
        status = str(screen.query_one("#status", Static).render())
        assert "[/]" in status and "[$x]" in status and "[bold]x[/bold]" in status


async def test_set_status_shows_a_path_with_brackets_verbatim(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        screen.set_status("Saved to /tmp/[/x]/draft [$x].txt", "success")
        await pilot.pause()
        assert app.is_running
        assert "/tmp/[/x]/draft [$x].txt" in str(screen.query_one("#status", Static).render())
