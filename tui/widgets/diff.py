"""The rewrite as a word-level diff against the draft, and the facts it changed.

Deletions are struck through, insertions underlined, so the difference reads without colour too. Changed facts
(a date dropped, an amount added) are listed apart, because those are what the writer must check before sending.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from textual.content import Content
from textual.widgets import Static

from reviewer.models import ChangedFact

_TOKEN = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")

DELETED = "strike $error"
INSERTED = "bold underline $success"


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def render_diff(draft: str, rewrite: str) -> Content:
    """The rewrite's text, with what it removes from the draft shown struck through in place."""
    old, new = tokens(draft), tokens(rewrite)
    parts: list[tuple[str, str] | str] = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append("".join(new[b1:b2]))
            continue
        if op in ("delete", "replace"):
            parts.append(("".join(old[a1:a2]), DELETED))
        if op in ("insert", "replace"):
            parts.append(("".join(new[b1:b2]), INSERTED))
    return Content.assemble(*parts)


def render_facts(facts: Sequence[ChangedFact]) -> Content:
    if not facts:
        return Content.styled("No facts changed: every date, amount, name and link in the draft is kept.", "$success")
    parts: list[tuple[str, str] | str] = [("Check these facts before sending:\n", "bold $warning")]
    for fact in facts:
        verb = "dropped" if fact.change == "dropped" else "added"
        parts += [("⚠ ", "$warning"), f"{verb} {fact.kind}: ", (fact.value, "bold"), "\n"]
    return Content.assemble(*parts).rstrip()


class RewriteDiff(Static):
    """A static diff; the rewrite screen scrolls it."""

    def __init__(self, draft: str, rewrite: str, *, id: str | None = None) -> None:
        super().__init__(render_diff(draft, rewrite), id=id)
