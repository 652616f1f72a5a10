"""Cue patterns: how a rubric pattern becomes a regex, its trigger words, and lazy compilation.

Speed is why this module exists. The rules engine has a few hundred cue patterns; Python's `re` is several times
faster without IGNORECASE, so most patterns are lower-cased and run on a lower-cased copy of the text (patterns that
need case, `(?-i:...)`, keep it). Each pattern's trigger words (literal text that any match must contain) let the
engine skip it, or scan only the sentences holding a trigger. A pattern is parsed when the rubric loads (that
validates it and yields its triggers) and compiled only the first time a message contains a trigger, so
`candor check` does not pay for compiling hundreds of patterns it will not use.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

# The regex parser is private but stable across 3.11+; if it ever fails, patterns simply get no triggers.
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from reviewer.atomic import private_folder, write_atomic
from reviewer.regex_program import compile_program, compile_starting, program_of

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


def _pieces(items: Any) -> Iterator[tuple[frozenset[str] | None, Any, Any]]:
    """A parsed sequence in order: each run of literal characters long enough to filter, as a one-word set
    `(word, None, None)`, and each other item `(None, op, arg)`. \\b and lookarounds take no characters, so a literal
    run goes on across them."""
    run: list[str] = []

    def close_run() -> frozenset[str] | None:
        word = "".join(run).strip()
        run.clear()
        return frozenset([word]) if len(word) >= MIN_TRIGGER else None

    for op, arg in items:
        if op is _LITERAL:
            run.append(chr(arg))
            continue
        if op in _ZERO_WIDTH:
            continue
        word = close_run()
        if word:
            yield word, None, None
        yield None, op, arg
    word = close_run()
    if word:
        yield word, None, None


def _sequence(items: Any) -> frozenset[str] | None:
    candidates: list[frozenset[str]] = []
    for word, op, arg in _pieces(items):
        found = word or _item(op, arg)
        if found:
            candidates.append(found)
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


def _necessary(items: Any) -> list[frozenset[str]]:
    """Every set of literals of which a match must contain one, not only the most selective (`_sequence`): each
    literal run, each group's own sets (a group, or a repeat of at least once, must match whole), and each
    alternation's union. The engine scans a sentence only if it holds one literal of every set."""
    found: list[frozenset[str]] = []
    for word, op, arg in _pieces(items):
        if word:
            found.append(word)
        elif op is _SUBPATTERN:
            found += _necessary(arg[-1])
        elif _ATOMIC is not None and op is _ATOMIC:
            found += _necessary(arg)
        elif op in _REPEATS or (_POSSESSIVE is not None and op is _POSSESSIVE):
            if arg[0] >= 1:
                found += _necessary(arg[2])
        elif op is _BRANCH:
            union = _item(op, arg)
            if union:
                found.append(union)
    return found


def _selective(sets: list[frozenset[str]], triggers: frozenset[str] | None) -> tuple[frozenset[str], ...]:
    """The sets worth testing besides the triggers: without words that are in nearly every message or too short
    to filter (testing them costs more than it saves), each once."""
    useful = [s for s in sets if s != triggers and all(len(w) >= 3 and w not in COMMON for w in s)]
    return tuple(dict.fromkeys(useful))


DATE_TOKEN = "@date"
"""Inside a cue pattern, "@date" stands for Candor's date-and-time pattern (`reviewer.text.DATE_PATTERN`)."""

_ESCAPED_OR_LETTER = re.compile(r"\\.|\(\?P<\w+>|[A-Z]")


def lower_pattern(pattern: str) -> str:
    """Lower-case a pattern's literal letters, leaving escapes (\\S, \\B...) and group names alone."""
    return _ESCAPED_OR_LETTER.sub(lambda m: m.group(0).lower() if len(m.group(0)) == 1 else m.group(0), pattern)


def expand(pattern: str) -> str:
    from reviewer.text import DATE_PATTERN

    return pattern.replace(DATE_TOKEN, f"(?:{DATE_PATTERN.pattern})")


class CuePattern:
    """A rubric pattern prepared for matching: its regex source and flags, triggers, and a lazily compiled regex."""

    __slots__ = ("source", "flags", "on_lowered", "triggers", "requires", "_regex")

    @classmethod
    def restored(
        cls,
        source: str,
        flags: int,
        on_lowered: bool,
        trigger_list: list[str] | None,
        requires: list[list[str]],
    ) -> CuePattern:
        """A pattern prepared in an earlier run (see `save_prepared`), without parsing it again."""
        self = cls.__new__(cls)
        self.source, self.flags, self.on_lowered = source, re.RegexFlag(flags), on_lowered
        self.triggers = frozenset(trigger_list) if trigger_list is not None else None
        self.requires = tuple(frozenset(words) for words in requires)
        self._regex = None
        return self

    def __init__(self, pattern: str) -> None:
        body = expand(pattern)
        self.on_lowered = "(?-i:" not in pattern
        self.source = lower_pattern(body) if self.on_lowered else body
        self.flags = re.MULTILINE if self.on_lowered else re.IGNORECASE | re.MULTILINE
        try:
            parsed = sre_parse.parse(self.source, self.flags)  # raises re.error on a bad pattern
            _check_safe(list(parsed), self.flags)
        except (OverflowError, RecursionError, ValueError) as err:
            raise re.error(f"too large or too deeply nested ({type(err).__name__})") from None
        # Case matters inside (?-i:...); the literals elsewhere still work as lower-case triggers.
        literal_form = list(parsed) if self.on_lowered else _parsed_lowered(body)
        self.triggers = _sequence(literal_form) if literal_form is not None else None
        self.requires: tuple[frozenset[str], ...] = ()
        """More sets of literals a match must hold one of (see `_necessary`): a sentence holding a trigger but
        missing one of these cannot match, so it is not scanned."""
        if literal_form is not None and self.triggers is not None:
            self.requires = _selective(_necessary(literal_form), self.triggers)
        self._regex: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        """Compiled on first use; on lower-cased text, behind a look-ahead of the characters a match can start with
        when they are known (`first_chars`), so the engine skips other offsets at once instead of trying the
        pattern there: the same matches, found sooner."""
        if self._regex is None:
            self._regex = compile_regex(self.source, self.flags, guard=self.on_lowered)
        return self._regex


def guarded(source: str, flags: int = 0) -> str:
    """A pattern for lower-cased text behind a look-ahead of the characters a match can start with, when they are
    known (`first_chars`): the same matches, but the engine passes over other offsets at once instead of trying
    the whole pattern at each. The source itself when they are not known."""
    if _GLOBAL_FLAGS.match(source) is not None:  # global flags must stay at the very start
        return source
    first = first_chars(source, flags)
    return f"(?=[{''.join(sorted(map(re.escape, first)))}])(?:{source})" if first else source


_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_FIRST_RANGE = 128
"""A class with a wider range than this (`[\\x00-\\uffff]`) is not worth a look-ahead: no set is given for it."""


def first_chars(source: str, flags: int = 0) -> frozenset[str] | None:
    """Every character a match of the pattern can start with, or None when that is not certain (a class like `\\w`
    or `.`, a negated class, a start that can match nothing, case-insensitive letters, a back-reference...)."""
    parsed = sre_parse.parse(source, flags)
    if parsed.state.flags & re.IGNORECASE:
        return None
    return _first_of(list(parsed))


def _first_of(items: list[Any]) -> frozenset[str] | None:
    """The characters the first consuming item of a sequence can match (zero-width assertions before it consume
    nothing; an optional item's first characters and those of what follows it); None when unsure or when the
    sequence can match the empty string."""
    for at, (op, av) in enumerate(items):
        if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue
        if op == _LITERAL:
            return frozenset(chr(av))
        if op == sre_constants.IN:
            chars: set[str] = set()
            for kind, value in av:
                if kind == _LITERAL:
                    chars.add(chr(value))
                elif kind == sre_constants.RANGE and value[1] - value[0] <= _FIRST_RANGE:
                    chars.update(map(chr, range(value[0], value[1] + 1)))
                else:
                    return None  # a category (\\w, \\d), a negation, a wide range
            return frozenset(chars)
        if op == _BRANCH:
            found: set[str] = set()
            for alternative in av[1]:
                first = _first_of(list(alternative))
                if first is None:
                    return None
                found |= first
            return frozenset(found)
        if op == _SUBPATTERN:
            _, add_flags, _, body = av
            return None if add_flags & re.IGNORECASE else _first_of(list(body))
        if op in _REPEATS and av[0] >= 1:
            return _first_of(list(av[2]))
        if op in _REPEATS and av[1] >= 1:  # optional ("(?:the )?economy"): it, or what comes after it
            inner, rest = _first_of(list(av[2])), _first_of(items[at + 1 :])
            return None if inner is None or rest is None else inner | rest
        return None  # anything else (., a back-reference, an atomic group): unsure
    return None


_UNBOUNDED = 100
"""A repeat allowing more than this counts as unbounded for the backtracking check."""
_CHAR_ITEMS = (sre_constants.IN, sre_constants.ANY, sre_constants.CATEGORY, _LITERAL, sre_constants.NOT_LITERAL)


def _children(op: Any, av: Any) -> list[list[Any]]:
    if op in _REPEATS or (_POSSESSIVE is not None and op == _POSSESSIVE):
        return [list(av[2])]
    if op == _SUBPATTERN:
        return [list(av[-1])]
    if _ATOMIC is not None and op == _ATOMIC:
        return [list(av)]  # an atomic group's argument is its pattern, not a tuple ending with it
    if op == _BRANCH:
        return [list(b) for b in av[1]]
    if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [list(av[1])]
    return []


def _unbounded_repeats(items: list[Any]) -> list[Any]:
    """Every backtracking repeat of more than `_UNBOUNDED` in the items, at any depth."""
    found = []
    for op, av in items:
        if op in _REPEATS and av[1] > _UNBOUNDED:
            found.append((op, av))
        for child in _children(op, av):
            found += _unbounded_repeats(child)
    return found


def _matches(item: Any, char: str, flags: int) -> bool:
    """Whether the one-character item (a class, `.`, a literal) can match `char`; True when unsure."""
    try:
        probe = sre_parse.SubPattern(sre_parse.State(), [item])
        return re._compiler.compile(probe, flags).fullmatch(char) is not None  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - unsure means "could match", the cautious answer
        return True


def _delimited(body: list[Any], flags: int) -> bool:
    """The repeated body has a required literal that none of its inner repeats can match (`(?:\\.\\d+)*`, `(?: \\w+)+`):
    each repetition is then pinned to one place and the repeat cannot backtrack exponentially."""
    inner = [av[2] for _, av in _unbounded_repeats(body)]
    for op, av in body:
        if op == _LITERAL:
            char = chr(av)
            if all(len(sub) == 1 and sub[0][0] in _CHAR_ITEMS and not _matches(sub[0], char, flags) for sub in inner):
                return True
    return False


_PROBES = "".join(map(chr, range(256))) + "\u00e9\u00df\u03a9\u0416\u0661\u4e2d\u2019\u201c\u2013\u2028\u3000"
"""Characters tried when asking whether two character items can match the same character: Latin-1 and a few of
other scripts, digits, quotes, dashes and spaces (enough to tell `\\w` from `\\d` from `-`)."""
_ANY_CHAR = (sre_constants.ANY, None)
_CHAR_SETS: dict[tuple[str, int], frozenset[str]] = {}


def _char_set(item: Any, flags: int) -> frozenset[str]:
    """The probe characters a one-character item matches (every probe when unsure)."""
    key = (repr(item), flags)
    found = _CHAR_SETS.get(key)
    if found is None:
        try:
            probe = sre_parse.SubPattern(sre_parse.State(), [item])
            regex = re._compiler.compile(probe, flags | re.DOTALL)  # type: ignore[attr-defined]
            found = frozenset(c for c in _PROBES if regex.fullmatch(c))
        except Exception:  # noqa: BLE001 - unsure means "could match anything", the cautious answer
            found = frozenset(_PROBES)
        _CHAR_SETS[key] = found
    return found


def _first(items: list[Any], flags: int) -> tuple[frozenset[str], bool]:
    """The characters a match of the sequence can start with, and whether it can match the empty string."""
    starts: set[str] = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op in _CHAR_ITEMS:
            return frozenset(starts | _char_set((op, av), flags)), False
        if op == _SUBPATTERN:
            inner, empty = _first(list(av[-1]), flags)
        elif _ATOMIC is not None and op == _ATOMIC:
            inner, empty = _first(list(av), flags)
        elif op == _BRANCH:
            parts = [_first(list(b), flags) for b in av[1]]
            inner = frozenset().union(*(f for f, _ in parts))
            empty = any(e for _, e in parts)
        elif op in _REPEATS or (_POSSESSIVE is not None and op == _POSSESSIVE):
            inner, empty = _first(list(av[2]), flags)
            empty = empty or av[0] == 0
        else:  # a back-reference or a conditional group: it could start with anything
            inner, empty = _char_set(_ANY_CHAR, flags), True
        starts |= inner
        if not empty:
            return frozenset(starts), False
    return frozenset(starts), True


def _ambiguous_choice(items: list[Any], follow: frozenset[str], flags: int) -> bool:
    """Whether matching the sequence, followed by text starting with a character of `follow`, meets a choice
    (alternatives of a group, or "once more or stop" of a variable repeat) whose options can start with the same
    character. Inside an unbounded repeat such a choice can split one stretch of text in exponentially many ways:
    `(a|aa)+`, `(\\w|\\d\\d)+`, `(x\\w{1,3})+` on a long run of letters that then fails to match."""
    for i, (op, av) in enumerate(items):
        rest, rest_empty = _first(items[i + 1 :], flags)
        after = rest | follow if rest_empty else rest
        if op == _SUBPATTERN:
            if _ambiguous_choice(list(av[-1]), after, flags):
                return True
        elif op == _BRANCH:
            options = []
            for branch in av[1]:
                starts, empty = _first(list(branch), flags)
                options.append(starts | after if empty else starts)
                if _ambiguous_choice(list(branch), after, flags):
                    return True
            for a in range(len(options)):
                for b in range(a + 1, len(options)):
                    if options[a] & options[b]:
                        return True
        elif op in _REPEATS and av[0] != av[1]:
            again, _ = _first(list(av[2]), flags)
            if again & after or _ambiguous_choice(list(av[2]), again | after, flags):
                return True
        elif op in _REPEATS and _ambiguous_choice(list(av[2]), _first(list(av[2]), flags)[0] | after, flags):
            return True
        # Atomic groups and possessive repeats never give back what they matched: no choice to retry.
    return False


def _check_safe(items: list[Any], flags: int) -> None:
    """Refuse what would compile only at review time (a variable-width look-behind) or could backtrack for hours on
    a long draft: an unbounded repeat of something that itself holds an unbounded repeat, like `(\\w+\\s?)+`."""
    for op, av in items:
        if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT) and av[0] < 0:
            low, high = sre_parse.SubPattern(sre_parse.State(), list(av[1])).getwidth()
            if low != high:
                raise re.error("look-behind requires a fixed-width pattern")
        if op in _REPEATS and av[1] > _UNBOUNDED:
            body = list(av[2])
            if _unbounded_repeats(body) and not _delimited(body, flags):
                raise re.error(
                    "nested repeats like (\\w+\\s?)+ can take hours on a long draft (catastrophic backtracking); "
                    "bound the inner or the outer repeat, e.g. {0,20}"
                )
            if _ambiguous_choice(body, _first(body, flags)[0], flags):
                raise re.error(
                    "a repeated group whose alternatives or inner repeats can match the same text, like (a|aa)+, "
                    "can take hours on a long draft (catastrophic backtracking); make the alternatives start "
                    "differently, or bound the outer repeat, e.g. {0,20}"
                )
        for child in _children(op, av):
            _check_safe(child, flags)


_PREPARED: dict[str, CuePattern] = {}


def preparation_key() -> str:
    """What a saved preparation depends on besides the rubric: this module's code and `regex_program`'s (which
    makes the saved programs), the date pattern that `@date` expands to, and the Python version (its regex parser). A
    change to any of them makes old files unused."""
    from reviewer import regex_program
    from reviewer.text import DATE_PATTERN

    digest = hashlib.sha256(Path(__file__).read_bytes() + Path(regex_program.__file__).read_bytes())
    digest.update(DATE_PATTERN.pattern.encode() + f"\0{sys.version_info[:2]}".encode())
    return digest.hexdigest()


def cue_pattern(pattern: str) -> CuePattern:
    """The prepared pattern, shared by rubric validation and the engine so each pattern is parsed once a process."""
    prepared = _PREPARED.get(pattern)
    if prepared is None:
        prepared = _PREPARED[pattern] = CuePattern(pattern)
    return prepared


def load_prepared(path: Path) -> bool:
    """Restore prepared patterns saved for this exact rubric content; False if there is nothing usable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        restored = {pattern: CuePattern.restored(*fields) for pattern, fields in data.items()}
    except (OSError, ValueError, TypeError):
        return False
    for pattern, prepared in restored.items():
        _PREPARED.setdefault(pattern, prepared)
    return True


def save_prepared(path: Path, patterns: Iterable[str]) -> None:
    """Save the prepared form of patterns that have been validated, readable by the user only; best effort."""
    data = {}
    for pattern in patterns:
        p = cue_pattern(pattern)
        trigger_list = sorted(p.triggers) if p.triggers is not None else None
        data[pattern] = [p.source, int(p.flags), p.on_lowered, trigger_list, [sorted(words) for words in p.requires]]
    try:
        private_folder(path.parent)
        write_atomic(path, json.dumps(data), tighten=True)
    except OSError:
        pass  # a cache that cannot be written only costs speed


_ProgramKey = tuple[str, int, bool]
"""(source, flags, guarded): a pattern as `compile_regex` is asked for it."""
_PROGRAMS: dict[_ProgramKey, list[Any]] = {}
"""Compiled regex programs restored from a saved file (`load_programs`) or made to be saved (`program`): a pattern
-> what the regex engine's constructor takes (the text compiled first: with its look-ahead, when guarded)."""
_UNSAVED: set[_ProgramKey] = set()
"""Programs made in this process that the saved file does not hold yet."""
_RECORDING = False


def programs_key() -> str:
    """What a saved program depends on besides its pattern: the regex engine's own version and the interpreter's
    (a program is the engine's internal code, so a file from another Python is never used)."""
    return hashlib.sha256(f"{sre_constants.MAGIC}\0{sys.version}\0{sys.implementation.cache_tag}".encode()).hexdigest()


def compile_regex(source: str, flags: int = 0, *, guard: bool = False) -> re.Pattern[str]:
    """`re.compile(guarded(source, flags) if guard else source, flags)`; from its saved program when there is one
    (`load_programs`), which skips the parsing (for the look-ahead, then to compile) and code generation, in
    Python, that hundreds of patterns cost every start. While `record_programs` is on, a pattern without one gets
    it made first (as `re.compile` makes it), to be saved. A program the engine refuses falls back to compiling."""
    key = (source, int(flags), guard)
    saved = _PROGRAMS.get(key)
    if saved is None and _RECORDING:
        saved = program(source, flags, guard=guard)
    if saved is not None:
        try:
            return compile_program(saved)
        except Exception:  # noqa: BLE001 - a damaged or foreign program only costs the compile it saves
            _PROGRAMS.pop(key, None)
            _UNSAVED.discard(key)
    return compile_starting(guarded(source, flags) if guard else source, flags)


BUILT = "\0built "
"""How the name of a built regex's program begins (`compile_built`): never the start of a pattern's own source."""


def compile_built(name: str, build: Callable[[], str]) -> re.Pattern[str]:
    """A regex whose source costs more to build than its program costs to restore (the rules engine's trie of
    trigger literals: about 70 million instructions of every start), found by a `name` that must say everything
    the source depends on: from its saved program when there is one (`load_programs`), without building the
    source; else built and compiled, its program kept to be saved (`built_program`)."""
    saved = _PROGRAMS.get((BUILT + name, 0, False))
    if saved is not None:
        try:
            return compile_program(saved)
        except Exception:  # noqa: BLE001 - a damaged or foreign program only costs the build it saves
            _PROGRAMS.pop((BUILT + name, 0, False), None)
    return compile_program(built_program(name, build))


def built_program(name: str, build: Callable[[], str]) -> list[Any]:
    """The program of a built regex (`compile_built`), made from `build()`'s source if it is not known yet, and
    kept to be saved (`save_programs`) under its name."""
    key = (BUILT + name, 0, False)
    known = _PROGRAMS.get(key)
    if known is None:
        known = _PROGRAMS[key] = program_of(build())
        _UNSAVED.add(key)
    return known


def record_programs() -> None:
    """From now on, keep the program of every pattern compiled (`compile_regex`), to be saved (`save_programs`)."""
    global _RECORDING
    _RECORDING = True


def program(source: str, flags: int = 0, *, guard: bool = False) -> list[Any]:
    """The program of a pattern, made the way `re.compile` makes it (`re._compiler.compile`), kept to be saved."""
    key = (source, int(flags), guard)
    known = _PROGRAMS.get(key)
    if known is not None:
        return known
    made = program_of(guarded(source, flags) if guard else source, flags)
    _PROGRAMS[key] = made
    _UNSAVED.add(key)
    return made


def load_programs(path: Path) -> bool:
    """Restore the programs saved in `path` (for `compile_regex`); False if there is nothing usable.

    The file is in `marshal`'s format, which this interpreter reads in C several times faster than JSON (a few
    hundred programs, 190,000 integers: 5 ms against 20 ms of every start). It is this interpreter's own format,
    as the programs are its regex engine's: the file's name holds both (`programs_key`)."""
    try:
        data = marshal.loads(path.read_bytes())
        restored = {(str(source), int(flags), bool(guard)): list(entry) for source, flags, guard, entry in data}
    except (OSError, ValueError, TypeError, EOFError):
        return False
    for key, entry in restored.items():
        _PROGRAMS.setdefault(key, entry)
    return True


def save_programs(path: Path) -> None:
    """Save every program known in this process, if any is not saved yet, readable by the user only; best effort."""
    if not _UNSAVED:
        return
    data = [[source, flags, guard, _plain(entry)] for (source, flags, guard), entry in _PROGRAMS.items()]
    try:
        private_folder(path.parent)
        write_atomic(path, marshal.dumps(data), tighten=True)
        _UNSAVED.clear()
    except OSError:
        pass  # a cache that cannot be written only costs speed


def _plain(entry: list[Any]) -> list[Any]:
    """A program with plain ints: the regex compiler's opcodes are an int subclass, which `marshal` refuses."""
    text, flags, code, groups, groupindex, indexgroup = entry
    return [text, int(flags), list(map(int, code)), int(groups), {str(k): int(v) for k, v in groupindex.items()},
            list(indexgroup)]  # fmt: skip


def check_pattern(pattern: str) -> str | None:
    """The parser's error for a pattern, or None if it is valid (what rubric validation reports)."""
    try:
        cue_pattern(pattern)
    except re.error as err:
        return str(err)
    return None


def _parsed_lowered(pattern: str) -> list[Any] | None:
    try:
        return list(sre_parse.parse(lower_pattern(pattern)))
    except (re.error, AttributeError, TypeError):
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
