"""A regex compiled with a start set (`reviewer.regex_program`) finds exactly what `re.compile` finds.

The start set only tells the engine which offsets it may skip; these tests check that it is put where it is sound
(a leading look-ahead of one class, no IGNORECASE, a pattern that cannot match empty, no info of `re`'s own), left
out elsewhere, and that the matches are those of `re.compile` on random text and on every guarded regex a review
runs over the dev messages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.patterns import compile_regex, guarded
from reviewer.regex_program import compile_starting, program_of
from reviewer.service import Reviewer
from reviewer.text import _DATE_LOWER, lowered

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer()


INFO_PREFIX, INFO_CHARSET = 1, 4  # the info block's flags for a literal prefix and for a start set


def _has_start_set(pattern: str, flags: int = 0) -> bool:
    """Whether the program names the characters a match starts with: a set, or a one-character prefix."""
    code = program_of(pattern, flags)[2]
    return bool(code[2] & (INFO_CHARSET | INFO_PREFIX))


def _spans(regex: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in regex.finditer(text)]


def test_a_leading_look_ahead_of_a_class_becomes_the_start_set() -> None:
    assert _has_start_set(r"(?=[ab])(?:apple|b\w+)")
    assert _has_start_set(guarded(r"\b(?:delay|slip)(?:ed)?\b"))
    assert not _has_start_set(r"(?:\b(?:delay|slip)(?:ed)?\b)")  # no look-ahead: as `re` makes it
    assert program_of(r"(?:\b(?:delay|slip)(?:ed)?\b)")[2] == re._compiler._code(  # type: ignore[attr-defined]
        re._parser.parse(r"(?:\b(?:delay|slip)(?:ed)?\b)"),  # type: ignore[attr-defined]
        0,
    )


SAMPLE = "Apple bear, a bee; xapple ab. From Priya: Priya will call. SEND IT NOW! Dana's team has been told"


@pytest.mark.parametrize(
    "pattern, flags",
    [
        (r"(?=[ab])(?=x)(?:apple)", 0),  # the first look-ahead that says is read: every match starts there anyway
        (r"(?=a|b)(?:apple|bear)", 0),  # the parser makes `a|b` one class
        (r"(?=\w)(?:apple|bear)\b", 0),  # a class of categories
        (r"(?=[a])(?:apple|a\w)", 0),  # a class of one character, which the parser makes a literal
        (r"(?=ab)(?:abc|abd)", 0),  # a look-ahead's own first character
        (r"(?<![ab])\w", 0),  # a look-behind consumes nothing: the first character is the next item's
        # What the rubric writes for names: case-insensitive, with the name's capital matched case-sensitively.
        (r"(?<!\bfrom )(?<!\bin )\b(?P<name>(?-i:[A-Z][a-z]+)) (?:will|owns)\b", re.IGNORECASE),
        (r"(?-i:\b[A-Z][A-Z']+(?: [A-Z][A-Z']+){1,}[.!])", re.IGNORECASE),
        (r"\b(?-i:[A-Z][\w.]+)'s (?:[\w-]+ ){0,2}(?:has been|was)", re.IGNORECASE),
        (r"\b[A-Z]{4,}\b", 0),  # a repeat that must match once starts with its item
        (r"(?:[A-Z][a-z]+ ?)+", 0),
        (r"(?![ab])\w+", 0),  # a negative look-ahead consumes nothing either
        (r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z])", 0),  # an optional repeat adds its own first character
        (r"(?:ab)*\bc", 0),
        (r"(?<=[ab])\w*b", 0),  # after a look-behind
        (r"(?:a?)b", 0),  # the parser makes the group an optional repeat
        (r"x*(?:a|b)c", 0),  # and `(?:a|b)` a class
    ],
)
def test_the_first_character_s_class_becomes_the_start_set(pattern: str, flags: int) -> None:
    assert _has_start_set(pattern, flags)
    assert _spans(compile_starting(pattern, flags), SAMPLE) == _spans(re.compile(pattern, flags), SAMPLE)


@pytest.mark.parametrize(
    "pattern, flags",
    [
        (r"(?=[ab])\w*", 0),  # can match empty: `re` gives it no info, nor does this
        (r"(?=[ab])(?:apple|bear)", re.IGNORECASE),  # the start set would be compared with the text as written
        (r"(?i)(?=[ab])(?:apple|bear)", 0),  # the same, by an inline flag
        (r"(?i:a)pple", 0),  # the same, by a scoped flag
        (r"\b[A-Z][a-z]+ will", re.IGNORECASE),  # case-insensitive letters first
        (r"\b(?:a+|b)c", 0),  # an alternation first: not read
        (r"[^a]*b", 0),  # a negated class cannot be joined to another
        (r"x*(?:ab|cd)e", 0),  # an alternation after an optional repeat
        (r"(?:ab|c)?d", 0),  # an optional alternation
        (r"(?:x?)*y", 0),  # a repeat of what can match empty
    ],
)
def test_no_start_set_where_it_could_be_wrong(pattern: str, flags: int) -> None:
    assert not _has_start_set(pattern, flags)
    assert _spans(compile_starting(pattern, flags), SAMPLE) == _spans(re.compile(pattern, flags), SAMPLE)


def test_a_one_character_look_ahead_becomes_a_prefix_the_match_still_reads() -> None:
    code = program_of(r"(?=[d])(?:delay|d\w+)")[2]
    assert code[2] == INFO_PREFIX and code[5:9] == [1, 0, ord("d"), 0]  # length 1, skipped 0, "d", overlap table


def test_re_s_own_literal_prefix_is_kept() -> None:
    # "ab" is a literal prefix `re` finds on its own (a faster skip than a start set): nothing is added.
    pattern = r"ab(?=[c])c"
    assert program_of(pattern)[2] == re._compiler._code(re._parser.parse(pattern), 0)  # type: ignore[attr-defined]


ALTERNATIVES = ["sorry", "delay(?:ed)?", r"d\w+", "la[yz]", r"\d+ days?", "é+t", "a", "ay", r"[-’]on", r"\bnext\b"]
TEXT_PIECES = [
    "sorry",
    "delayed",
    "Delay",
    "lay",
    "laz",
    "d",
    "12 days",
    "1 day",
    "été",
    "’on",
    "-on",
    " ",
    ".",
    "next",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(ALTERNATIVES), min_size=1, max_size=5),
    st.booleans(),
    st.lists(st.sampled_from(TEXT_PIECES), max_size=30),
)
def test_guarded_patterns_find_what_re_compile_finds(alternatives: list[str], bounded: bool, pieces: list[str]) -> None:
    source = "|".join(alternatives)
    if bounded:
        source = rf"\b(?:{source})\b"
    text = "".join(pieces)
    for pattern in {guarded(source), source}:
        ours, theirs = compile_starting(pattern), re.compile(pattern)
        assert _spans(ours, text) == _spans(theirs, text)
        for start in range(0, len(text) + 1, 3):  # searched from an offset and to an end, as the engine does
            end = min(len(text), start + 17)
            a, b = ours.search(text, start, end), theirs.search(text, start, end)
            assert (a and a.span()) == (b and b.span())


def _dev_texts() -> list[str]:
    texts = []
    for path in (ROOT / "evals/data/realistic/dev.jsonl", ROOT / "evals/data/dev.jsonl"):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    return texts


def test_the_date_finder_and_every_guarded_cue_and_list_find_what_re_compile_finds(reviewer: Reviewer) -> None:
    from reviewer.engines.rules import _compiled

    assert _has_start_set(_DATE_LOWER.pattern)
    cues = [p.pattern for p in _compiled(reviewer.rubric).patterns if p.pattern.on_lowered]
    pairs = [(_DATE_LOWER, re.compile(_DATE_LOWER.pattern))]
    pairs += [
        (compile_regex(c.source, c.flags, guard=True), re.compile(guarded(c.source, c.flags), c.flags)) for c in cues
    ]
    news = reviewer.rubric.lexicon.news
    pairs += [(r, re.compile(r.pattern, r.flags)) for r in (news.failure, news.risk, news.timing, news.complaint)]
    guarded_ones = [ours for ours, _ in pairs if ours.pattern.startswith("(?=[")]
    assert len(guarded_ones) > 500 and all(_has_start_set(r.pattern, r.flags) for r in guarded_ones)
    texts = [lowered(t) for t in _dev_texts()[:150]]
    for ours, theirs in pairs:
        assert (ours.pattern, ours.flags, ours.groups, ours.groupindex) == (
            theirs.pattern,
            theirs.flags,
            theirs.groups,
            theirs.groupindex,
        )
        for text in texts:
            assert _spans(ours, text) == _spans(theirs, text)


LEADS = [
    r"\b",
    "^",
    r"(?<!\bfrom )",
    r"(?<=[ .])",
    r"(?![xy])",
    r"(?=[a-z])",
    r"(?=\w)",
    r"(?=Pr)",
    "(?-i:",
    "(?i:",
    "(",
]
FIRSTS = ["[A-Z]", "[a-z]", "d", "D", r"\d", "[’']", r"\w", "(?:a|b)", "x?", "[^ ]", "é"]
FIRSTS += ["[A-Z]{2,}", "(?:Pr|D)+", "a*?", "(?:a|b)+?", "[^ ]*d", r"[\"')]*\s+", "(?:D|e)*P"]
RESTS = ["", r"[a-z]+", r"\w*", " will", r"(?: [A-Z][a-z]+)?", "'s"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(LEADS), max_size=4),
    st.sampled_from(FIRSTS),
    st.sampled_from(RESTS),
    st.sampled_from([0, re.IGNORECASE, re.MULTILINE]),
    st.lists(st.sampled_from(TEXT_PIECES + ["Priya", "PRIYA", "From ", "Dana's", "x", "\n"]), max_size=25),
)
def test_any_start_the_walk_reads_finds_what_re_compile_finds(
    leads: list[str], first: str, rest: str, flags: int, pieces: list[str]
) -> None:
    opened = sum(1 for lead in leads if lead.endswith(("(?-i:", "(?i:", "(")))
    pattern = "".join(leads) + first + rest + ")" * opened
    text = "".join(pieces)
    ours, theirs = compile_starting(pattern, flags), re.compile(pattern, flags)
    assert _spans(ours, text) == _spans(theirs, text)
    for start in range(0, len(text) + 1, 2):
        a, b = ours.search(text, start), theirs.search(text, start)
        assert (a and a.span()) == (b and b.span())


def test_a_python_whose_private_helpers_differ_still_gets_re_compiles_own_regex(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The start set is a speed-up from `re`'s private helpers: should they change, the same matches, no error."""
    import re

    from reviewer import regex_program

    def broken(*_: object) -> None:
        raise TypeError("helpers changed")

    monkeypatch.setattr(regex_program, "with_start_set", broken)
    pattern = regex_program.compile_starting(r"(?=[ab])(?:abc|bcd)")
    assert pattern.findall("xxabcxbcd") == re.compile(r"(?=[ab])(?:abc|bcd)").findall("xxabcxbcd") == ["abc", "bcd"]
    monkeypatch.setattr(regex_program, "compile_program", broken)
    assert regex_program.compile_starting(r"\bsoon\b").pattern == r"\bsoon\b"
