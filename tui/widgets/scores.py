"""The scores panel: verdict and overall, each dimension as a 1-5 bar with its one-line reason, and what is missing."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from reviewer.models import Review
from tui.widgets.common import SEVERITY_STYLE, bar, reason, verdict_badge

EMPTY = "Scores appear here a moment after you stop typing."


def render_scores(review: Review | None) -> Content:
    """The whole panel as one piece of content: cheap to redraw and easy to assert on in tests."""
    if review is None:
        return Content.styled(EMPTY, "$text-muted")
    parts: list[Content | str | tuple[str, str]] = [verdict_badge(review.verdict, review.overall)]
    parts.append((f"  {review.engine}\n\n", "$text-muted"))
    width = max((len(d.title) for d in review.dimensions), default=0)
    for dim in review.dimensions:
        parts += [(f"{dim.title:<{width}} ", "bold"), bar(dim.score), f" {dim.score}\n"]
        parts.append((f"  {reason(dim.rationale)}\n", "$text-muted"))
    if review.missing:
        parts.append(("\nMissing\n", "bold"))
        for item in review.missing:
            parts += [("• ", SEVERITY_STYLE[item.severity]), f"{item.message}\n"]
    if review.suggestions and not review.missing and not review.problems:
        # Nothing specific to fix: the suggestions are what the low dimensions should aim for.
        parts.append(("\nTo aim for\n", "bold"))
        parts += [f"• {aim}\n" for aim in review.suggestions]
    for note in review.notes:
        parts.append((f"\nnote: {note}\n", "$text-muted"))
    return Content.assemble(*parts).rstrip()


class ScorePanel(Static):
    """Shows the latest live review; `review` is kept for tests and for the title bar."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(render_scores(None), id=id)
        self.review: Review | None = None

    def show(self, review: Review | None) -> None:
        self.review = review
        self.update(render_scores(review))
