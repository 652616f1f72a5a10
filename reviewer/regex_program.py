r"""How a regex's program (the regex engine's own code) is made: as `re.compile` makes it, plus a start set.

Python's `re` skips, in one tight loop in C, the offsets where no match can start when a pattern begins with a
literal, a character class or an alternation of literals; it does not look inside a look-ahead, nor past `\b` or a
look-behind. Many of Candor's patterns begin so on purpose (`patterns.guarded`: `(?=[chars])(?:...)`, the
characters any match starts with; the rubric's names, `\b(?-i:[A-Z]...)`), so for them the engine entered the
pattern at every offset only to fail there. Here the class every match's first character is in, when it is
certain (`start_class`), becomes the program's start set, which the engine reads: the same matches (the pattern
still checks each one), with the offsets no match can start at passed over in C (about 17% of a rules review's
instructions).

Below every other module of `reviewer`: `text` compiles its date finder and sentence splitter with it, `scorer`
its shouting measure, and `patterns` every cue and list pattern.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # the regex engine's constructor
import re

# The regex compiler is private but stable across 3.11+; `_sre.compile` validates every program it is given.
from re import _compiler as sre_compile  # type: ignore[attr-defined]
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any


def program_of(text: str, flags: int = 0) -> list[Any]:
    """What the regex engine's constructor takes for a pattern, `[pattern, flags, code, groups, groupindex,
    indexgroup]`, made as `re.compile` makes it (`re._compiler.compile`), with a leading look-ahead's class as the
    start set (`with_start_set`)."""
    flags = int(flags)
    parsed = sre_parse.parse(text, flags)
    plain = sre_compile._code(parsed, flags)
    try:
        code = with_start_set(parsed, flags | parsed.state.flags, list(plain))
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        # The start set is only a speed-up built from `re`'s private helpers: a Python whose helpers differ gets
        # the program exactly as `re` makes it, the same matches.
        code = plain
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return [text, flags | parsed.state.flags, code, parsed.state.groups - 1, groupindex, indexgroup]


def compile_program(entry: list[Any]) -> re.Pattern[str]:
    """The compiled regex of a program (`program_of`'s, or one saved from it)."""
    text, flags, code, groups, groupindex, indexgroup = entry
    compiled: re.Pattern[str] = _sre.compile(text, flags, code, groups, groupindex, tuple(indexgroup))
    return compiled


def compile_starting(text: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(text, flags)`, with a leading look-ahead's class as the start set: the same matches. Should the
    regex engine refuse the program (a Python whose program layout differs), `re.compile`'s own: never an error."""
    try:
        return compile_program(program_of(text, flags))
    except (AttributeError, IndexError, KeyError, TypeError, ValueError, RuntimeError):
        return re.compile(text, flags)


def with_start_set(parsed: Any, flags: int, code: list[Any]) -> list[Any]:
    """The program with the characters every match starts with in its info block (`start_class`), as a set, or as
    a one-character prefix that the match itself still reads from its start (skip 0), which the engine scans for
    faster than for a set; any other program as it is.

    Only where `re` put nothing there itself (no literal prefix or start set of its own) and for a pattern that
    cannot match empty (`re` gives those no info at all)."""
    if not parsed.data or code[0] != sre_constants.INFO or code[2] != 0 or code[3] == 0:
        return code
    items = start_class(parsed.data, flags)
    if items is None:
        return code
    if len(items) == 1 and items[0][0] is sre_constants.LITERAL:
        info = [sre_constants.INFO, 0, sre_constants.SRE_INFO_PREFIX, code[3], code[4], 1, 0, items[0][1], 0]
    else:
        charset, _ = sre_compile._optimize_charset(items)
        info = [sre_constants.INFO, 0, sre_constants.SRE_INFO_CHARSET, code[3], code[4]]
        sre_compile._compile_charset(charset, flags, info)
    info[1] = len(info) - 1  # the block's length after its first word, as `re` writes it
    return info + code[code[1] + 1 :]  # the pattern's own code after its old block (its jumps are relative)


_ZERO_WIDTH = (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT)
_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)


def start_class(items: Any, flags: int) -> list[Any] | None:
    r"""The character class (the parser's items) that the first character of every match of this sequence is in,
    or None when that is not certain. Every item of a sequence must match; the zero-width ones (`\b`, `^`,
    look-behinds, negative look-aheads) consume nothing, so the first character is the first consuming item's: a
    class or a literal matched case-sensitively, or the first character of a group or of a repeat that must match
    at least once; an optional repeat before it adds its own first character (`[")]*\s+`: a quote, a bracket or a
    space). A positive look-ahead reads from where the match goes on, so its own first character, when certain, is
    one too (`guarded`'s `(?=[chars])`). Anything else (an alternation, case-insensitive letters, a sequence that
    can match nothing) gives None."""
    before: list[list[Any]] = []
    """The first characters of the optional repeats passed so far, any of which may be the match's first."""
    for op, argument in items:
        if op is sre_constants.ASSERT and argument[0] == 1 and argument[1].getwidth()[0] > 0:
            inside = start_class(argument[1].data, flags)
            if inside is not None:
                return _union([*before, inside])
            continue
        if op in _ZERO_WIDTH:
            continue
        if op is sre_constants.SUBPATTERN:
            _, add_flags, del_flags, group = argument
            first = start_class(group.data, (flags | add_flags) & ~del_flags) if group.getwidth()[0] else None
            return None if first is None else _union([*before, first])
        if op in _REPEATS:
            least, _, repeated = argument
            first = start_class(repeated.data, flags) if repeated.getwidth()[0] else None
            if first is None:
                return None
            if least:
                return _union([*before, first])
            before.append(first)
            continue
        if flags & re.IGNORECASE:
            return None
        if op is sre_constants.IN:
            return _union([*before, list(argument)])
        if op is sre_constants.LITERAL:
            return _union([*before, [(op, argument)]])
        return None
    return None


def _union(classes: list[list[Any]]) -> list[Any] | None:
    """One class of every character in any of the classes; None if one is negated (`[^...]`, which holds for the
    whole class it opens, so it cannot be joined to others)."""
    if len(classes) == 1:
        return classes[0]
    if any(op is sre_constants.NEGATE for items in classes for op, _ in items):
        return None
    return [item for items in classes for item in items]
