"""The rewrite as a phrase-level diff against the draft, and the facts it changed.

Words are matched first, then changes separated by only a word or two of the same sentence are joined into one, so
a rewritten sentence reads as the old phrase struck through followed by the new one, never as interleaved word
fragments; a run of three or more unchanged words stays as it is. Deletions are struck through, insertions
underlined, so the difference reads without colour too. Changed facts (a date dropped, an amount added) are listed
apart, because those are what the writer must check before sending.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from textual.content import Content
from textual.widgets import Static

from reviewer.models import ChangedFact

_TOKEN = re.compile(r"\s+|\w+(?:['’]\w+)*|[^\w\s]")
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?:]\s")

DELETED = "strike $error"
INSERTED = "bold underline $success"


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


KEEP_WORDS = 3
"""Unchanged words needed between two changes to show them apart; fewer are folded into one phrase change."""


@dataclass
class _Chunk:
    """A stretch of the diff: equal (`old == new`) or changed."""

    equal: bool
    old: str
    new: str


def diff_chunks(draft: str, rewrite: str) -> list[tuple[str, str, str]]:
    """(kind, old text, new text) stretches, kind "equal" or "change", with nearby word changes joined."""
    old, new = tokens(draft), tokens(rewrite)
    chunks: list[_Chunk] = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        chunks.append(_Chunk(op == "equal", "".join(old[a1:a2]), "".join(new[b1:b2])))
    merged: list[_Chunk] = []
    for index, chunk in enumerate(chunks):
        between_changes = 0 < index < len(chunks) - 1 and not chunks[index + 1].equal
        if chunk.equal and between_changes and merged and not merged[-1].equal and _short(chunk.old):
            merged[-1].old += chunk.old
            merged[-1].new += chunk.new
        elif not chunk.equal and merged and not merged[-1].equal:
            merged[-1].old += chunk.old
            merged[-1].new += chunk.new
        else:
            merged.append(_Chunk(chunk.equal, chunk.old, chunk.new))
    return [("equal" if c.equal else "change", c.old, c.new) for c in merged]


def _short(text: str) -> bool:
    """An unchanged run too short to show between two changes: under three words, within one sentence and line."""
    return "\n" not in text and not _SENTENCE_END.search(text) and len(_WORD.findall(text)) < KEEP_WORDS


def render_diff(draft: str, rewrite: str) -> Content:
    """The rewrite's text, with what it removes from the draft shown struck through in place."""
    parts: list[tuple[str, str] | str] = []
    for kind, old, new in diff_chunks(draft, rewrite):
        if kind == "equal":
            parts.append(new)
            continue
        # Spaces the two sides share stay plain, so a struck phrase and its replacement sit between normal spaces.
        lead = len(old) - len(old.lstrip()) if old.strip() else 0
        lead = min(lead, len(new) - len(new.lstrip()))
        trail = min(len(old) - len(old.rstrip()), len(new) - len(new.rstrip())) if old.strip() and new.strip() else 0
        old_core, new_core = old[lead : len(old) - trail], new[lead : len(new) - trail]
        parts.append(new[:lead])
        if old_core:
            parts.append((old_core, DELETED))
        if new_core:
            parts.append((new_core, INSERTED))
        parts.append(new[len(new) - trail :] if trail else "")
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
