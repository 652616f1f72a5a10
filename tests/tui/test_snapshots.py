"""Screenshots of the main screens at 80x24 and 120x40, on a canned review so rubric tuning never moves a pixel.

Update with `pytest tests/tui/test_snapshots.py --snapshot-update` only after looking at the report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from tui_helpers import FailingEngine, deep_settled, fixed_engine, settle, snapshot_app, unconfigured, until

from tui.app import CandorApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
Before = Callable[[Pilot[Any]], Awaitable[None]]


def app_of(pilot: Pilot[Any]) -> CandorApp:
    assert isinstance(pilot.app, CandorApp)
    return pilot.app


async def settled(pilot: Pilot[Any]) -> None:
    await settle(pilot)


async def findings_tab(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    screen = app_of(pilot).review_screen
    screen.show_tab("findings")
    await pilot.pause()
    screen.findings_list.focus()
    await pilot.press("down")


async def deep_done(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("ctrl+l")
    await until(pilot, deep_settled(app_of(pilot)))


async def rewrite(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("ctrl+r")
    await pilot.pause()


async def help_screen(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("f1")
    await pilot.pause()


async def unsaved_on_quit(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("X")
    await settle(pilot)
    await pilot.press("ctrl+q")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(snapshot_app(), run_before=settled, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_findings_with_one_selected(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(snapshot_app(), run_before=findings_tab, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_deep_review_done(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(snapshot_app(), run_before=deep_done, terminal_size=size)


def test_deep_review_without_a_model(snap_compare: Any) -> None:
    app = snapshot_app(deep_engine_factory=unconfigured)
    assert snap_compare(app, run_before=deep_done, terminal_size=(80, 24))


def test_deep_review_failed(snap_compare: Any) -> None:
    app = snapshot_app(deep_engine_factory=fixed_engine(FailingEngine()))
    assert snap_compare(app, run_before=deep_done, terminal_size=(80, 24))


@pytest.mark.parametrize("size", SIZES)
def test_rewrite_diff(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(snapshot_app(), run_before=rewrite, terminal_size=size)


def test_help(snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(), run_before=help_screen, terminal_size=(80, 24))


def test_unsaved_work_on_quit(snap_compare: Any) -> None:
    assert snap_compare(snapshot_app(), run_before=unsaved_on_quit, terminal_size=(80, 24))


@pytest.mark.parametrize("size", SIZES)
def test_light_theme(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(snapshot_app(theme="light"), run_before=settled, terminal_size=size)
