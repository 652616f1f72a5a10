"""Facts a rewrite must keep: dates and times, amounts, percentages, numbers, names, emails and links.

Used by both engines: the scaffold rewrite refuses any edit that would drop a fact, and a model's rewrite is compared
with the draft so every dropped, changed or invented fact is shown to the user (a change shows as one dropped and
one added value). `[bracketed]` placeholders are the writer's to fill and never count as facts.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from reviewer.models import ChangedFact
from reviewer.text import DATE_PATTERN, lowered, sentences

_PLACEHOLDER = re.compile(r"\[[^\[\]\n]{1,80}\]")
_PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    "link": re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"),
    "amount": re.compile(
        r"(?:[$€£¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|thousand|billion))?)"
        r"|(?:\b\d[\d,]*(?:\.\d+)?\s?(?:k\s)?(?:usd|eur|gbp|chf|cad|aud|dollars|euros|pounds)\b)",
        re.IGNORECASE,
    ),
    "percentage": re.compile(r"\b\d+(?:\.\d+)?\s?(?:%|percent\b|per cent\b)", re.IGNORECASE),
    "identifier": re.compile(r"\b[A-Z]{2,}-\d+\b|#\d{2,}\b"),
    "date": DATE_PATTERN,
}
_LOWERED_KINDS = {"amount", "percentage", "date"}
"""Kinds whose patterns run on lower-cased text without IGNORECASE (several times faster in `re`)."""
_FAST = {kind: re.compile(p.pattern) if kind in _LOWERED_KINDS else p for kind, p in _PATTERNS.items()}
_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z'’-]*[a-zA-Z]\b|\b[A-Z]{2,}\b")
_NOT_NAMES = frozenset(
    """I I'm I'll I've I'd OK FYI ETA EOD COB UTC GMT PST EST CET BST AM PM Q1 Q2 Q3 Q4 ASAP TBD TBC RAG FAQ PS
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
    September October November December Mon Tue Wed Thu Fri Sat Sun Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct
    Nov Dec Hi Hello Dear Thanks Thank Best Regards Kind Cheers Sincerely Subject Re Fwd Team Next Owner Date
    New Update Status Option Options Step Steps Action Actions Impact Cause Summary Note""".split()
)


@dataclass(frozen=True)
class Fact:
    kind: str
    value: str
    start: int
    end: int


def strip_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(" ", text)


@lru_cache(maxsize=32)
def extract_facts(text: str) -> tuple[Fact, ...]:
    """Every fact in the text, with its span; overlapping kinds keep the first (most specific) match."""
    low = lowered(text)
    taken: list[tuple[int, int]] = []
    facts: list[Fact] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for kind, pattern in _FAST.items():
        for m in pattern.finditer(low if kind in _LOWERED_KINDS else text):
            if free(m.start(), m.end()):
                taken.append((m.start(), m.end()))
                facts.append(Fact(kind, text[m.start() : m.end()], m.start(), m.end()))
    for m in _NUMBER.finditer(text):
        if free(m.start(), m.end()):
            taken.append((m.start(), m.end()))
            facts.append(Fact("number", m.group(0), m.start(), m.end()))
    starts = {s.start for s in sentences(text)}
    for m in _CAPITALISED.finditer(text):
        word = m.group(0)
        if m.start() in starts or word in _NOT_NAMES or not free(m.start(), m.end()):
            continue
        facts.append(Fact("name", word, m.start(), m.end()))
    return tuple(sorted(facts, key=lambda f: f.start))


def _normal(value: str) -> str:
    return " ".join(value.lower().replace(",", "").split()).rstrip(".")


def _counter(text: str) -> Counter[tuple[str, str]]:
    return Counter((f.kind, _normal(f.value)) for f in extract_facts(strip_placeholders(text)))


def compare_facts(draft: str, rewrite: str) -> tuple[ChangedFact, ...]:
    """Facts dropped from the draft and facts the rewrite added (invented or changed)."""
    before, after = _counter(draft), _counter(rewrite)
    changes = [ChangedFact(kind=kind, change="dropped", value=value) for (kind, value) in (before - after).elements()]
    changes += [ChangedFact(kind=kind, change="added", value=value) for (kind, value) in (after - before).elements()]
    return tuple(changes)


def contains_fact(text: str) -> bool:
    """True if the text holds anything a rewrite must not delete."""
    return any(f.kind != "name" or len(f.value) > 1 for f in extract_facts(strip_placeholders(text)))
