"""Help, command palette, themes, the 80x24 layout, and the CLI wiring of `candor tui`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.command import CommandList
from tui_helpers import DRAFT, settle, top, until

from reviewer import cli
from reviewer.errors import ConfigError, ExitCode
from reviewer.service import Reviewer
from tui import cli as tui_cli
from tui.app import make_app
from tui.screens.help import HelpScreen

ROOT = Path(__file__).resolve().parents[2]


async def test_help_screen_opens_and_closes(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert top(app) is app.review_screen


async def test_command_palette_runs_review_actions(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(screen)]
        for title in ("Save", "Open…", "Next finding", "Fix phrase", "Deep review", "Rewrite", "Help", "Theme"):
            assert title in titles
        await pilot.press("ctrl+p")
        await pilot.press(*"next finding")
        await until(
            pilot,
            lambda: any(c.option_count for c in app.screen.query(CommandList)),
            what="palette results",
        )
        await pilot.press("enter")
        await until(pilot, lambda: top(app) is screen)
        first = min(screen.editor.marks, key=lambda m: m.start)
        assert screen.editor.selected_text == DRAFT[first.start : first.end]


async def test_light_and_dark_themes_switch_and_recolour_the_highlights(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0, theme="light")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-light"
        light = app.review_screen.editor._theme.syntax_styles["candor-major"]
        await pilot.press("ctrl+t")
        assert app.theme == "textual-dark"
        await pilot.pause()
        dark = app.review_screen.editor._theme.syntax_styles["candor-major"]
        assert light.bgcolor != dark.bgcolor


def test_an_unknown_theme_is_a_usage_error(reviewer: Reviewer) -> None:
    with pytest.raises(ConfigError, match="unknown theme"):
        make_app(reviewer=reviewer, theme="no-such-theme")


async def test_everything_fits_at_80x24(reviewer: Reviewer) -> None:
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.review_screen
        await settle(pilot)
        editor, side = screen.editor.region, screen.query_one("#side").region
        assert editor.width >= 40 and side.width >= 30 and editor.height >= 15
        assert editor.right <= side.x and side.right <= 80
        shown = {key for key, active in screen.active_bindings.items() if active.binding.show}
        for key in ("ctrl+s", "ctrl+o", "ctrl+f", "ctrl+l", "ctrl+r", "ctrl+q", "f1"):
            assert key in shown, key


def test_the_cli_loads_the_tui_command_without_loading_textual() -> None:
    code = (
        "import sys, reviewer, reviewer.cli; "
        "assert not [m for m in sys.modules if m.split('.')[0] in ('textual', 'tui')], 'core imported the TUI'; "
        "reviewer.cli.build_parser(reviewer.cli.load_commands([])); "
        "print('tui.cli' in sys.modules, sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "True []"


def test_candor_tui_is_registered_and_opens_by_default_in_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = cli.load_commands([])
    assert "tui" in commands
    opened: list[object] = []
    monkeypatch.setattr(tui_cli, "_has_terminal", lambda: True)
    monkeypatch.setattr(tui_cli, "cmd_tui", lambda args: opened.append(args) or ExitCode.OK)
    assert cli.main([]) == ExitCode.OK and len(opened) == 1
    assert cli.main(["tui", "--help"]) == ExitCode.OK
    assert "--situation" in capsys.readouterr().out


def test_a_core_command_loads_no_plugin() -> None:
    assert "tui" not in cli.load_commands(["check", "draft.txt"])
    assert "tui" in cli.load_commands(["--help"])


def test_without_a_terminal_tui_says_so_and_bare_candor_still_reviews_the_sample(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tui_cli, "_has_terminal", lambda: False)
    assert cli.main(["tui", str(ROOT / "tests/tui/data/draft.txt")]) == ExitCode.USAGE
    assert "needs a terminal" in capsys.readouterr().err
    code = cli.main([])
    assert code in (ExitCode.OK, ExitCode.BLOCKED)
    assert "Transparency" in capsys.readouterr().out


def test_an_unknown_situation_is_refused_with_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.app import CandorApp

    ran: list[CandorApp] = []
    monkeypatch.setattr(tui_cli, "_has_terminal", lambda: True)
    monkeypatch.setattr(CandorApp, "run", lambda self, *a, **k: ran.append(self))
    draft = str(ROOT / "tests/tui/data/draft.txt")
    assert cli.main(["tui", draft, "--situation", "outage"]) == ExitCode.OK and len(ran) == 1  # a known one opens
    capsys.readouterr()
    assert cli.main(["tui", draft, "--situation", "bogus"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert len(ran) == 1, "the TUI must not open on a situation candor check refuses"
    assert err.count("\n") == 1 and "unknown situation 'bogus'" in err and "missed_deadline" in err
    monkeypatch.setattr(tui_cli, "_has_terminal", lambda: False)
    assert cli.main(["tui", draft, "--situation", "bogus"]) == ExitCode.USAGE  # bad usage first, terminal or not
    assert "unknown situation" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="unknown situation"):
        make_app(text=DRAFT, situation="bogus")


async def test_a_narrow_terminal_puts_the_side_panel_under_the_editor(reviewer: Reviewer) -> None:
    """Side by side at 60 columns the draft kept a dozen; below 72 the scores go under it and the draft keeps the
    width (acceptance pass: 'inconveni / ence')."""
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(60, 30)) as pilot:
        await settle(pilot)
        screen = app.review_screen
        editor, side = screen.editor.region, screen.query_one("#side").region
        assert editor.width >= 50 and side.y >= editor.bottom
    app = make_app(reviewer=reviewer, text=DRAFT, review_delay=0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.review_screen
        editor, side = screen.editor.region, screen.query_one("#side").region
        assert side.x >= editor.right and side.y == editor.y
