"""The deep review: runs in the background, shows progress, can be cancelled, explains a missing model, survives a
failed call, and puts the model's rationales, evidence and suggestions beside the rules findings."""

from __future__ import annotations

from textual.widgets import Static, TabbedContent
from tui_helpers import (
    DRAFT,
    MODEL_REWRITE,
    NO_MODEL,
    BlockingEngine,
    FailingEngine,
    ModelStyleEngine,
    deep_settled,
    fixed_engine,
    settle,
    unconfigured,
    until,
)

from reviewer.config import Settings
from reviewer.service import Reviewer
from tui.app import CandorApp, make_app
from tui.screens.rewrite import RewriteScreen


def deep_text(app: CandorApp) -> str:
    return str(app.review_screen.deep_panel.body.render())


def status_text(app: CandorApp) -> str:
    return str(app.review_screen.query_one("#status", Static).render())


async def test_deep_review_shows_the_models_rationales_evidence_and_suggestions(reviewer: Reviewer) -> None:
    engine = ModelStyleEngine()
    built: list[Settings] = []

    def factory(settings: Settings) -> ModelStyleEngine:
        built.append(settings)
        return engine

    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0, deep_engine_factory=factory, client="Dana")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        assert built == []  # the engine is built when the key is pressed, not at start-up
        await pilot.press("ctrl+l")
        assert app.query_one("#side", TabbedContent).active == "deep"
        await until(pilot, deep_settled(app), what="the deep review")
        assert screen.deep_panel.state == "done"
        assert len(built) == 1 and built[0] is reviewer.settings
        assert [m.text for m in engine.calls] == [DRAFT] and engine.calls[0].client == "Dana"
        shown = deep_text(app)
        assert "rules+llm:fake-model" in shown
        assert "The model reads the transparency as weak here." in shown
        assert "“Hi Dana," in shown  # quoted evidence
        assert "Say who owns the fix" in shown
        assert screen.review is not None and screen.review.engine == "rules"  # live rules findings stay beside it
        assert screen.editor.text == DRAFT

        await pilot.press("ctrl+r")  # the rewrite view prefers the model's rewrite
        assert isinstance(app.screen, RewriteScreen)
        assert app.screen.rewrite.text == MODEL_REWRITE and app.screen.rewrite.source == "model"
        await pilot.press("escape")

        await pilot.press("ctrl+l")  # a second run reuses the engine
        await until(pilot, lambda: len(engine.calls) == 2 and screen.deep_panel.state == "done")
        assert len(built) == 1


async def test_a_failed_model_call_is_shown_and_the_draft_is_kept(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0, deep_engine_factory=fixed_engine(FailingEngine()))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        rules_review = screen.review
        await pilot.press("ctrl+l")
        await until(pilot, deep_settled(app), what="the failure")
        assert screen.deep_panel.state == "failed"
        assert "refused the connection" in deep_text(app)
        assert "Your draft is untouched" in deep_text(app)
        assert "Deep review failed" in status_text(app)
        assert screen.editor.text == DRAFT
        assert screen.review is rules_review
        assert app.is_running


async def test_no_model_configured_explains_how_to_configure_one(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0, deep_engine_factory=unconfigured)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        await pilot.press("ctrl+l")
        await until(pilot, deep_settled(app), what="the how-to")
        assert screen.deep_panel.state == "unavailable"
        shown = deep_text(app)
        assert "No model is configured" in shown
        assert NO_MODEL in shown
        assert "CANDOR_MODEL" in shown and "candor config" in shown
        assert screen.editor.text == DRAFT


async def test_a_running_deep_review_can_be_cancelled_and_never_blocks_typing(
    reviewer: Reviewer, blocking_engine: BlockingEngine
) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0, deep_engine_factory=fixed_engine(blocking_engine))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        await pilot.press("ctrl+l")
        await until(pilot, blocking_engine.started.is_set, what="the model call to start")
        assert screen.deep_running and screen.deep_panel.state == "running"
        assert "Esc cancels" in deep_text(app)
        assert app.query_one("#deep-spinner").display

        screen.editor.move_cursor(screen.editor.document.end)
        await pilot.press(*" Thanks")  # the editor and the live review keep working meanwhile
        await settle(pilot)
        assert screen.review is not None and screen.review.text.endswith("Thanks")

        await pilot.press("ctrl+l")  # a second press does not start a second call
        assert "already running" in status_text(app)

        await pilot.press("escape")
        await until(pilot, lambda: not screen.deep_running, what="the cancel")
        assert screen.deep_panel.state == "cancelled"
        assert not app.query_one("#deep-spinner").display

        blocking_engine.release.set()  # the abandoned call finishes later: its result must not appear
        await until(pilot, blocking_engine.finished.is_set, what="the abandoned call")
        await pilot.pause(0.1)
        assert screen.deep_panel.state == "cancelled"
        assert screen.deep_review is None
        assert screen.editor.text.endswith("Thanks")
