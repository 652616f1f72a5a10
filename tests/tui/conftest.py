"""Fixtures for the TUI tests. The root conftest already keeps the developer's config and environment out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.widgets import Input, TextArea
from tui_helpers import BlockingEngine

from reviewer.config import Settings
from reviewer.service import Reviewer


@pytest.fixture(autouse=True)
def colour(isolated_config: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The root conftest sets NO_COLOR, which turns Textual monochrome; these tests check colours (themes, severity)."""
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes screenshots depend on timing."""
    monkeypatch.setattr(TextArea, "cursor_blink", False)
    monkeypatch.setattr(Input, "cursor_blink", False)


@pytest.fixture
def reviewer() -> Reviewer:
    return Reviewer(Settings())


@pytest.fixture
def blocking_engine() -> Iterator[BlockingEngine]:
    engine = BlockingEngine()
    yield engine
    engine.release.set()  # never leave a thread waiting after the test
