"""The Candor terminal app and `make_app`, the one factory that the CLI, the tests and the benchmark share (E13).

The app is handed core objects (a `Reviewer`, an engine factory for the deep review) and never builds a model client
itself; tests inject a fake deep engine through the same factory the CLI uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from reviewer.config import load_settings
from reviewer.engines import EngineFactory, get_engine
from reviewer.errors import ConfigError
from reviewer.service import Reviewer
from tui.files import Draft, load_draft
from tui.live_review import check_situation
from tui.screens.help import HelpScreen
from tui.screens.modals import ChoiceScreen
from tui.screens.review import REVIEW_DELAY, ReviewScreen

THEME_ALIASES = {"dark": "textual-dark", "light": "textual-light"}


class CandorApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Candor"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
    ]

    def __init__(
        self, reviewer: Reviewer, make_screen: Callable[[], ReviewScreen], *, theme: str | None = None
    ) -> None:
        """`make_screen` builds the review screen (`make_app` binds its arguments), so the app does not repeat them."""
        super().__init__()
        self.reviewer = reviewer
        self._make_screen = make_screen
        if theme:
            theme = THEME_ALIASES.get(theme, theme)
            if theme not in self.available_themes:
                raise ConfigError(f"tui: unknown theme {theme!r}; try dark, light, or one of Ctrl+P > Theme")
            self.theme = theme

    def get_default_screen(self) -> Screen[None]:
        return self._make_screen()

    @property
    def review_screen(self) -> ReviewScreen:
        return next(s for s in self.screen_stack if isinstance(s, ReviewScreen))

    async def action_quit(self) -> None:
        """Quit, unless there is unsaved work: then ask (save, discard or stay)."""
        if isinstance(self.screen, ChoiceScreen):
            return  # already asking something; answer that first
        self.review_screen.guard_unsaved(self.exit, "quitting")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette: every action of the review screen, then Textual's own (themes, keys, quit)."""
        if isinstance(screen, ReviewScreen):
            review = screen
            yield SystemCommand("Save", "Save the draft (Ctrl+S)", review.action_save)
            yield SystemCommand("Save as…", "Save the draft to a new file (F12)", review.action_save_as)
            yield SystemCommand("Open…", "Open a .txt, .md or .eml draft (Ctrl+O)", review.action_open)
            yield SystemCommand(
                "Next finding", "Move the cursor to the next flagged problem (Ctrl+N)", review.action_next_finding
            )
            yield SystemCommand(
                "Previous finding",
                "Move the cursor to the previous flagged problem (Shift+F8)",
                review.action_previous_finding,
            )
            yield SystemCommand("Fix phrase", "Apply the fix of the phrase at the cursor (Ctrl+F)", review.action_fix)
            yield SystemCommand("Deep review", "Ask the model for a deep review (Ctrl+L)", review.action_deep_review)
            if review.deep_running:
                yield SystemCommand("Cancel deep review", "Stop waiting for the model (Esc)", review.action_cancel_deep)
            yield SystemCommand("Rewrite", "Show the suggested rewrite as a diff (Ctrl+R)", review.action_rewrite)
            for tab, title in (("scores", "Scores"), ("findings", "Findings"), ("deep", "Deep review")):
                yield SystemCommand(
                    f"Show {title.lower()}", f"Switch the side panel to {title}", partial(review.show_tab, tab)
                )
        yield SystemCommand("Help", "Keys and what the colours mean (F1)", self.action_help)
        yield SystemCommand(
            "Light / dark", "Switch between the light and dark theme (Ctrl+T)", self.action_toggle_theme
        )
        yield from super().get_system_commands(screen)


def make_app(
    reviewer: Reviewer | None = None,
    path: str | Path | None = None,
    deep_engine_factory: EngineFactory | None = None,
    *,
    text: str | None = None,
    deep_engine_name: str = "rules+llm",
    situation: str | None = None,
    client: str | None = None,
    review_delay: float = REVIEW_DELAY,
    theme: str | None = None,
) -> CandorApp:
    """Build the app. `path` is loaded now, so an unreadable file fails before the screen opens (InputError), and
    an unknown `situation` is refused (ConfigError) as `candor check` refuses it.

    `reviewer` does the live reviews (the CLI passes one on the rules engine); `deep_engine_factory(settings)` builds
    the deep-review engine the first time the key is pressed (default: `get_engine(deep_engine_name, settings)`).
    """
    check_situation(situation)
    if reviewer is None:
        reviewer = Reviewer(load_settings().settings.replace(engine="rules"))
    draft = load_draft(Path(path), reviewer.settings) if path is not None else Draft(text=text or "")
    factory = deep_engine_factory or partial(get_engine, deep_engine_name)
    screen = partial(
        ReviewScreen,
        reviewer,
        draft,
        factory,
        deep_engine_name=deep_engine_name,
        situation=situation,
        client=client,
        review_delay=review_delay,
    )
    return CandorApp(reviewer, screen, theme=theme)
