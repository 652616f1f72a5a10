"""The deep-review panel: what the model said (scores, rationales with quoted evidence, suggestions) beside the
live rules scores, and the state of the call: running (with elapsed time and how to cancel), cancelled, failed,
or not configured (with how to configure it). Nothing here can touch the draft.
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import LoadingIndicator, Static

from reviewer.models import Review
from tui.widgets.common import bar, reason, shorten, verdict_badge

IDLE = (
    "Ctrl+L asks the model for a deep review: its own scores, rationales with quoted evidence, suggestions and a "
    "rewrite. It runs in the background; keep editing meanwhile."
)
HOW_TO_CONFIGURE = (
    "Candor talks to any OpenAI-compatible server. Set for example\n"
    "  CANDOR_MODEL=<model name>\n"
    "  CANDOR_BASE_URL=http://127.0.0.1:8080/v1\n"
    "  OPENAI_API_KEY=<key, if the server needs one>\n"
    "or model and base_url in candor.toml, or start with `candor tui --model NAME --base-url URL`. "
    "`candor config` shows what is in force. Live rules scores keep working meanwhile."
)


def render_deep(review: Review, *, stale: bool) -> Content:
    parts: list[Content | str | tuple[str, str]] = [verdict_badge(review.verdict, review.overall)]
    parts.append((f"  {review.engine}\n", "$text-muted"))
    if stale:
        parts.append(("The draft changed since this review; Ctrl+L runs it again.\n", "$warning"))
    parts.append("\n")
    for dim in review.dimensions:
        parts += [(f"{dim.title} ", "bold"), bar(dim.score), f" {dim.score}\n"]
        parts.append((f"  {reason(dim.rationale)}\n", "$text-muted"))
        for evidence in dim.evidence[:3]:
            parts.append((f"  “{shorten(evidence.quote, 90)}”\n", "italic"))
    if review.suggestions:
        parts.append(("\nSuggestions\n", "bold"))
        parts += [f"• {line}\n" for line in review.suggestions]
    if review.rewrite is not None:
        parts.append((f"\nA {review.rewrite.source} rewrite is ready: Ctrl+R shows it.\n", "$accent"))
    for note in review.notes:
        parts.append((f"\nnote: {note}\n", "$text-muted"))
    return Content.assemble(*parts).rstrip()


class DeepPanel(Vertical):
    """Shows one state at a time; `state` is public so tests and the footer can ask what is going on."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = "idle"
        self.review: Review | None = None
        self._started = 0.0
        self._engine_label = ""
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield LoadingIndicator(id="deep-spinner")
        yield Static(Content.styled(IDLE, "$text-muted"), id="deep-body")

    def on_mount(self) -> None:
        self.query_one("#deep-spinner").display = False

    @property
    def body(self) -> Static:
        return self.query_one("#deep-body", Static)

    def _set(self, state: str, content: Content, *, spinner: bool = False) -> None:
        self.state = state
        self.query_one("#deep-spinner").display = spinner
        if not spinner and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.body.update(content)

    def show_running(self, engine_label: str) -> None:
        self._started = time.monotonic()
        self._engine_label = engine_label
        self._set("running", self._running_text(), spinner=True)
        self._ticker = self.set_interval(1.0, self._tick)

    def _running_text(self) -> Content:
        seconds = int(time.monotonic() - self._started)
        return Content.assemble(
            (f"Deep review with {self._engine_label}… {seconds} s\n", "bold"),
            ("Esc cancels. The live scores and the editor keep working.", "$text-muted"),
        )

    def _tick(self) -> None:
        if self.state == "running":
            self.body.update(self._running_text())

    def reset(self) -> None:
        self.review = None
        self._set("idle", Content.styled(IDLE, "$text-muted"))

    def show_cancelled(self) -> None:
        self._set("cancelled", Content.assemble(("Deep review cancelled. ", "bold"), ("Ctrl+L starts it again.", "")))

    def show_unavailable(self, how_to: str) -> None:
        self._set(
            "unavailable",
            Content.assemble(
                ("No model is configured, so there is no deep review yet.\n\n", "bold $warning"),
                (f"{how_to}\n\n", ""),
                (HOW_TO_CONFIGURE, "$text-muted"),
            ),
        )

    def show_failed(self, error: str) -> None:
        self._set(
            "failed",
            Content.assemble(
                ("The deep review failed. Your draft is untouched.\n\n", "bold $error"),
                (f"{error}\n\n", ""),
                ("Ctrl+L tries again.", "$text-muted"),
            ),
        )

    def show_review(self, review: Review, *, stale: bool = False) -> None:
        self.review = review
        self._set("stale" if stale else "done", render_deep(review, stale=stale))

    def set_stale(self, stale: bool) -> None:
        """Flag (or unflag, after an undo) that the draft no longer matches what the model saw."""
        if self.review is not None and self.state in ("done", "stale") and (self.state == "stale") != stale:
            self.show_review(self.review, stale=stale)
