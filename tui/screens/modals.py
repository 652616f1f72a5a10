"""Small modal screens: a choice among buttons (unsaved work, overwrite) and a file-path prompt.

They return their answer through `dismiss`, so the review screen decides what happens next; styles live in
DEFAULT_CSS because these are self-contained and reusable (E15).
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class ChoiceScreen(ModalScreen[str | None]):
    """A question with a few answers; Escape means "none of these" (None)."""

    DEFAULT_CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical {
        width: 64; max-width: 100%; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    ChoiceScreen #question { width: 100%; margin-bottom: 1; }
    ChoiceScreen Horizontal { height: auto; width: 100%; align-horizontal: right; }
    ChoiceScreen Button { margin-left: 1; min-width: 10; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question: str, choices: list[tuple[str, str]], *, title: str = "") -> None:
        """`choices` are (answer id, button label); the first is the default button."""
        super().__init__()
        self.question = question
        self.choices = choices
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.heading
            yield Static(Content(self.question), id="question")  # it may hold a file name: never markup
            with Horizontal():
                for index, (answer, label) in enumerate(self.choices):
                    yield Button(label, id=f"choice-{answer}", variant="primary" if index == 0 else "default")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("choice-"))


class PathScreen(ModalScreen[Path | None]):
    """Ask for a file path (open or save as); Enter accepts, Escape cancels."""

    DEFAULT_CSS = """
    PathScreen { align: center middle; }
    PathScreen > Vertical {
        width: 72; max-width: 100%; height: auto; border: thick $accent; background: $surface; padding: 1 2;
    }
    PathScreen Input { margin: 1 0; }
    PathScreen #hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, initial: str = "", hint: str = "") -> None:
        super().__init__()
        self.heading = title
        self.initial = initial
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.heading
            yield Label("File path")
            yield Input(self.initial, placeholder="path/to/draft.txt", id="path")
            yield Static(Content(self.hint or "Enter accepts · Esc cancels"), id="hint")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            self.dismiss(Path(value).expanduser())
