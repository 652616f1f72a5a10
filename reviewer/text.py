"""Pure text analysis the rules engine and the fact checker share: sentences, dates, what kind of news it is."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from reviewer.regex_program import compile_starting

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?"
_ORD = r"\d{1,2}(?:st|nd|rd|th)?"

BLANK = re.compile(r"\[[^\[\]\n]{1,80}\]")
"""A blank for the writer to fill in, "[date we can commit to]": what the scaffold writes, and a template's own."""
DATE_PATTERN = re.compile(
    "|".join(
        [
            rf"\b{_ORD}(?:\s+of)?\s+{_MONTH}\b\.?(?:,?\s+\d{{4}})?",  # 14 March, 3rd of May
            rf"\b{_MONTH}\.?\s+{_ORD}\b(?:,?\s+\d{{4}})?",  # March 14th, 2026
            rf"\b(?:next|this|on|by|until|before|from|coming)\s+{_DAY}\b",  # by Friday
            rf"\b{_DAY}\b(?=[\s,]+(?:{_ORD}|{_MONTH}|morning|afternoon|evening|at|by|eod|cob|noon))",
            rf"\b{_DAY}\b",
            r"\b\d{4}-\d{2}-\d{2}\b",
            r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
            r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)",
            r"\b\d{1,2}:\d{2}\b(?:\s?(?:utc|gmt|[a-z]{1,2}t))?",
            r"\b(?:today|tonight|tomorrow|noon|midday|midnight)\b",
            r"\b(?:eod|cob|eow|eom)\b",
            r"\bend\s+of\s+(?:the\s+)?(?:day|week|month|quarter|sprint|play)\b",
            r"\b(?:within|in)\s+(?:the\s+next\s+)?(?:\d+|one|two|three|four|five|six|seven|eight|ten|twelve|24|48|72)"
            r"(?:\s*(?:-|to)\s*\d+)?\s+(?:business\s+|working\s+)?(?:minutes?|hours?|days?|weeks?|months?)\b",
            r"\bq[1-4]\b(?:\s+\d{4})?",
            r"\b(?:next|this|the\s+week\s+of)\s+(?:week|month)\b",
            r"\bweek\s+of\s+\S+",
            rf"\b(?:early|mid|late|end\s+of|beginning\s+of|start\s+of)[\s-]+{_MONTH}\b",
            rf"\bin\s+{_MONTH}\b",
        ]
    ),
    re.IGNORECASE,
)

_DATE_FIRST = r"[\dabcdefijlmnoqstuw]"
"""Every character a date can start with (after its leading `\b`): digits and the first letters of the months, days,
"next", "by", "today", "eod", "end", "within", "q1", "week", "early", "in"... A date pattern that can start with
another letter must add it here."""

_DATE_LOWER = compile_starting(f"(?={_DATE_FIRST})(?:{DATE_PATTERN.pattern})")
"""The same pattern without IGNORECASE, run on lower-cased text: Python's `re` is several times faster so. The
look-ahead only skips offsets where no alternative can start, sooner than trying each of the twenty there; and its
characters are the program's start set (`regex_program.compile_starting`), so the engine skips those offsets in C."""


MONTH_NAMES = tuple("january february march april may june july august september october november december".split())


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Ordinary English words (lower case): a capitalised one opening a sentence is not a name. Here rather than
    in `reviewer.facts`, which the rules engine then need not import (57 million instructions of every start)."""
    listed = (Path(__file__).with_name("common_words.txt")).read_text(encoding="utf-8").split()
    return frozenset(listed)


def lowered(text: str) -> str:
    """Lower-case with the same length, so offsets found in the result are offsets into the text."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def date_spans(text: str) -> list[tuple[int, int]]:
    """Spans of every concrete date or time in the text."""
    return [m.span() for m in _DATE_LOWER.finditer(lowered(text))]


_SENTENCE_END = compile_starting(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
"""Compiled with the characters it can start with (a closing quote or bracket, a space) as its start set
(`regex_program`): the engine passes over the rest of each block in C."""
_BULLET = re.compile(r"\s*(?:[-*•]|\d+[.)]|[A-Za-z][A-Za-z ]{0,20}:\s)")
WRAP_WIDTH = 45
"""A line shorter than this is not wrapped prose (a greeting, a heading, a signature): it ends a sentence."""

Problem = Literal["none", "risk", "failure"]


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Profile:
    """What kind of news a message carries, which decides what it owes the client."""

    problem: Problem
    timing: bool
    """A date is at stake (delay, missed deadline, outage), so a new date or restore time is owed."""
    complaint: bool = False
    """The message answers a client's complaint, so it owes an acknowledgement of what they raised."""


def _blocks(text: str) -> list[tuple[int, int]]:
    """Spans of running prose: hard-wrapped lines are joined; blank lines, bullets and short lines break."""
    blocks: list[tuple[int, int]] = []
    start = 0
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        line_start, pos = pos, pos + len(line)
        if not stripped:
            if line_start > start:
                blocks.append((start, line_start))
            start = pos
            continue
        if line_start > start and _BULLET.match(line):
            blocks.append((start, line_start))
            start = line_start
        if len(stripped) < WRAP_WIDTH or stripped.endswith(":"):
            blocks.append((start, pos))
            start = pos
    if start < len(text):
        blocks.append((start, len(text)))
    return blocks


@lru_cache(maxsize=64)
def sentences(text: str) -> tuple[Sentence, ...]:
    """Split into sentences (and bullets, short lines), keeping character offsets into the text."""
    out: list[Sentence] = []
    for block_start, block_end in _blocks(text):
        pos = block_start
        for match in _SENTENCE_END.finditer(text, block_start, block_end):
            _append(out, text, pos, match.start())
            pos = match.end()
        _append(out, text, pos, block_end)
    return tuple(out)


def _append(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(start, end, text[start:end]))


def sentence_at(text: str, offset: int) -> Sentence:
    return analysed(text).sentence_at(offset)


@dataclass(frozen=True)
class AnalysedText:
    """One text analysed once: lower-cased copy, sentences, dates and an offset -> sentence index, shared by the
    cues, the checks, the rewrite and the fact check of one review instead of each redoing it."""

    text: str
    lowered: str
    sentences: tuple[Sentence, ...]
    dates: tuple[tuple[int, int], ...]
    starts: tuple[int, ...]

    def sentence_at(self, offset: int) -> Sentence:
        """The sentence holding the offset (a bisect, not a scan), or the whole text when it lies between two."""
        i = bisect_right(self.starts, offset) - 1
        if i >= 0:
            sentence = self.sentences[i]
            if sentence.start <= offset < sentence.end:
                return sentence
        return Sentence(0, len(self.text), self.text)

    def sentence_index(self, offset: int) -> int:
        return max(0, bisect_right(self.starts, offset) - 1)


@lru_cache(maxsize=16)
def analysed(text: str) -> AnalysedText:
    found = sentences(text)
    low = lowered(text)
    return AnalysedText(
        text=text,
        lowered=low,
        sentences=found,
        dates=tuple(m.span() for m in _DATE_LOWER.finditer(low)),
        starts=tuple(s.start for s in found),
    )


def has_date(text: str) -> bool:
    return _DATE_LOWER.search(lowered(text)) is not None


@dataclass(frozen=True)
class NewsWords:
    """The rubric's news word lists, compiled (`reviewer.rubric.Lexicon.news`): they run on the lower-cased text.

    They are data (prompts/rubric/lists.toml), not code, so a team can teach Candor its own words for trouble."""

    failure: re.Pattern[str]
    failure_weak: re.Pattern[str]
    """Two weak failure words ("issue", "glitch") count as one failure word."""
    risk: re.Pattern[str]
    timing: re.Pattern[str]
    complaint: re.Pattern[str]


_SITUATION_PROFILES: dict[str, Profile] = {
    "good_news": Profile("none", False),
    "status_update": Profile("none", False),
    "new_risk": Profile("risk", False),
    "scope_change": Profile("risk", False),
    "budget_overrun": Profile("failure", False),
    "missed_deadline": Profile("failure", True),
    "delay": Profile("failure", True),
    "outage": Profile("failure", True),
    "mistake_apology": Profile("failure", False),
}
"""What a situation the writer named says about its news (built once: a `Profile` is immutable)."""


def profile(text: str, lists: NewsWords, situation: str | None = None) -> Profile:
    """Infer whether the message reports a failure, a risk or nothing, unless the writer said so; `lists` are the
    rubric.s news lists."""
    known = _SITUATION_PROFILES
    text = lowered(text)
    failure_hits = len(lists.failure.findall(text)) + len(lists.failure_weak.findall(text)) // 2
    timing = lists.timing.search(text) is not None
    complaint = situation == "angry_client_reply" or lists.complaint.search(text) is not None
    if situation in known:
        base = known[situation]
        if base.problem == "none" and failure_hits >= 2:
            # A status update can bury a problem: judge it by what it says, not by its label.
            return Profile("failure", timing, complaint)
        return Profile(base.problem, base.timing or (base.problem != "none" and timing), complaint)
    if failure_hits >= 1:
        return Profile("failure", timing, complaint)
    if lists.risk.search(text):
        return Profile("risk", timing, complaint)
    return Profile("none", False, complaint)


def words(text: str) -> int:
    return len(text.split())


def diff_window(old: str, new: str) -> tuple[int, int, int]:
    """(start, old_end, new_end): outside old[start:old_end] and new[start:new_end] the two texts are equal.

    Binary search over slices compares in C, so a keystroke in a long draft costs microseconds.
    """
    limit = min(len(old), len(new))
    low, high = 0, limit
    while low < high:
        mid = (low + high + 1) // 2
        if old[:mid] == new[:mid]:
            low = mid
        else:
            high = mid - 1
    start = low
    low, high = 0, limit - start
    while low < high:
        mid = (low + high + 1) // 2
        if old[len(old) - mid :] == new[len(new) - mid :]:
            low = mid
        else:
            high = mid - 1
    return start, len(old) - low, len(new) - low


def clip(quote: str, width: int) -> str:
    """The quote whole if it fits, else cut at a word boundary and marked with an ellipsis (never "12:0")."""
    quote = " ".join(quote.split())
    if len(quote) <= width:
        return quote
    cut = quote.rfind(" ", 0, width)
    return quote[: cut if cut > width // 2 else width].rstrip(" ,;:") + "…"
