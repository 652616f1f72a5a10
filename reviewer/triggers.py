"""Trigger words for regular expressions: literal text that any match must contain.

The rules engine has a few hundred cue patterns, and scanning a message with each costs far more than asking
whether the message contains one of a pattern's trigger words (a C-speed substring test). Patterns without a
trigger are always scanned, so this is only ever an optimisation, never a change in what matches.
"""

from __future__ import annotations

import re

# The regex parser is private but stable across 3.11+; if it ever fails, patterns simply get no triggers.
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

MIN_TRIGGER = 2
"""A one-letter literal is in every message and would filter nothing."""

COMMON = frozenset(
    "the and that this you your our for with was were are have has will not but all can to of in on is it we i".split()
)
"""Words in nearly every message: a trigger set holding one filters little, so any other set is preferred."""

_LITERAL = sre_constants.LITERAL
_SUBPATTERN = sre_constants.SUBPATTERN
_BRANCH = sre_constants.BRANCH
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT)
_ATOMIC = getattr(sre_constants, "ATOMIC_GROUP", None)
_POSSESSIVE = getattr(sre_constants, "POSSESSIVE_REPEAT", None)
_ZERO_WIDTH = (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT)


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    """Of several sufficient trigger sets, the most selective: the longest shortest word (short words such as "the"
    are in every message), then the fewest alternatives."""
    if not candidates:
        return None
    return min(candidates, key=lambda s: (bool(s & COMMON), -min(len(w) for w in s), len(s)))


def _sequence(items: Any) -> frozenset[str] | None:
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def close_run() -> None:
        word = "".join(run).strip()
        if len(word) >= MIN_TRIGGER:
            candidates.append(frozenset([word]))
        run.clear()

    for op, arg in items:
        if op is _LITERAL:
            run.append(chr(arg))
            continue
        if op in _ZERO_WIDTH:
            continue  # \b and lookarounds take no characters: the literal run goes on
        close_run()
        found = _item(op, arg)
        if found:
            candidates.append(found)
    close_run()
    return _best(candidates)


def _item(op: Any, arg: Any) -> frozenset[str] | None:
    if op is _SUBPATTERN:
        return _sequence(arg[-1])
    if _ATOMIC is not None and op is _ATOMIC:
        return _sequence(arg)
    if op is _BRANCH:
        union: set[str] = set()
        for branch in arg[1]:
            found = _sequence(branch)
            if not found:
                return None
            union |= found
        return frozenset(union)
    if op in _REPEATS or (_POSSESSIVE is not None and op is _POSSESSIVE):
        low, _high, inner = arg
        return _sequence(inner) if low >= 1 else None
    return None


def triggers(pattern: str) -> frozenset[str] | None:
    """Literal strings of which every match contains at least one, or None if there is no such guarantee.

    Meant for patterns run on lower-cased text without IGNORECASE, so the literals are compared as written.
    """
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, AttributeError, TypeError):
        return None
    return _sequence(list(parsed))
