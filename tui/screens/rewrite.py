"""The rewrite screen: the suggested draft as a diff against the user's, its changed facts, accept or copy.

It returns True when the user accepts; the review screen then puts the rewrite into the editor as one undoable edit.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from reviewer.models import ChangedFact, Rewrite
from tui.widgets.diff import DELETED, INSERTED, RewriteDiff, render_facts


class RewriteScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("a", "accept", "Accept into editor"),
        Binding("c", "copy", "Copy"),
        Binding("escape,q", "close", "Close"),
    ]

    def __init__(
        self,
        draft: str,
        rewrite: Rewrite,
        facts: Sequence[ChangedFact],
        *,
        stale: bool = False,
        scores: str = "",
    ) -> None:
        super().__init__()
        self.draft = draft
        self.rewrite = rewrite
        self.facts = tuple(facts)
        self.stale = stale
        self.scores = scores
        """The rewrite's scores next to the draft's (`render.rewrite_score_lines`), or "" when not re-reviewed."""

    def compose(self) -> ComposeResult:
        source = "the model's rewrite" if self.rewrite.source == "model" else "the rules scaffold"
        legend = Content.assemble(
            f"Suggested draft ({source}) against yours: ",
            ("removed", DELETED),
            " · ",
            ("added", INSERTED),
            ". Fill in the [brackets] before sending.",
        )
        if self.stale:
            legend += Content.styled("\nThe model saw an earlier version of your draft.", "$warning")
        with Vertical(id="rewrite-box") as box:
            box.border_title = "Rewrite"
            yield Static(legend, id="rewrite-legend")
            with VerticalScroll(id="rewrite-scroll"):
                yield RewriteDiff(self.draft, self.rewrite.text, id="rewrite-diff")
            yield Static(render_facts(self.facts), id="rewrite-facts")
            yield Static(Content(self.scores), id="rewrite-scores")
            yield Static("", id="rewrite-status")
            with Horizontal(id="rewrite-buttons"):
                yield Button("Accept", id="accept", variant="primary", compact=True)
                yield Button("Copy", id="copy", compact=True)
                yield Button("Close", id="close", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rewrite-scroll").focus()

    def action_accept(self) -> None:
        self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.rewrite.text)
        self.query_one("#rewrite-status", Static).update(
            Content.styled(
                f"Copied {len(self.rewrite.text):,} characters to the clipboard (where the terminal allows it).",
                "$success",
            )
        )

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        actions = {"accept": self.action_accept, "copy": self.action_copy, "close": self.action_close}
        actions[event.button.id or "close"]()
