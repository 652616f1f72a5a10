"""The context row: the situation (what the message is about) and the client's name, both optional.

They go into `Message.situation` and `Message.client`: the situation decides what the message owes the client (a
delay owes a new date, a status update owes no apology); the name lets a rewrite address the client.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select

from reviewer.models import SITUATIONS as CORE_SITUATIONS

SITUATIONS: tuple[tuple[str, str], ...] = tuple((label, key) for key, label in CORE_SITUATIONS.items())
"""The situations `candor check --situation` accepts, with labels for people."""


class ContextBar(Horizontal):
    """Two compact fields on one line, so the editor keeps the height at 80x24."""

    def __init__(self, situation: str | None = None, client: str | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._initial = (situation, client)

    def compose(self) -> ComposeResult:
        situation, client = self._initial
        yield Label("Situation", classes="field-label")
        yield Select(
            SITUATIONS,
            prompt="infer from the text",
            value=situation if situation else Select.NULL,
            compact=True,
            id="situation",
        )
        yield Label("Client", classes="field-label")
        yield Input(client or "", placeholder="client's name (optional)", compact=True, id="client")

    @property
    def situation(self) -> str | None:
        value = self.query_one("#situation", Select).value
        return value if isinstance(value, str) else None

    @property
    def client(self) -> str | None:
        value = self.query_one("#client", Input).value.strip()
        return value or None
