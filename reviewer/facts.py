"""Facts a rewrite must keep: dates, times, amounts, percentages, numbers with units, numbers, emails, links, phones
and names.

Used by both engines: the scaffold rewrite refuses any edit that would drop a fact, and a model's rewrite is compared
with the draft so every dropped, changed or invented fact is shown to the user (a change shows as one dropped and
one added value). `[bracketed]` placeholders are the writer's to fill and never count as facts.

Facts are compared as sets of normalised values ("14 March" and "March 14th" are one date, "$4,000" and "$4000" one
amount): a fact said once where the draft said it three times is kept, not dropped. A name is a capitalised word
that is not an ordinary word at the start of a sentence ("We", "If", "While"); a name still written anywhere in the
other text (even in lower case) is neither dropped nor added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from reviewer.models import ChangedFact
from reviewer.text import DATE_PATTERN, MONTH_NAMES, common_words, lowered, sentences

_PLACEHOLDER = re.compile(r"\[[^\[\]\n]{1,80}\]")
_UNITS = (
    r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|business days?|working days?|"
    r"ms|kb|mb|gb|tb|pb|kbps|mbps|gbps|users?|customers?|clients?|accounts?|orders?|pages?|records?|rows?|"
    r"files?|emails?|tickets?|items?|units?|people|staff|seats?|licen[cs]es?|servers?|sites?|stores?|devices?|"
    r"requests?|transactions?|invoices?|sprints?|releases?|screens?|features?|tests?|errors?|km|kg|miles?|"
    r"lbs?|tons?|tonnes?|sq ?ft|m2|sessions?|calls?|hits?|visits?|visitors?)"
)
_PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    "link": re.compile(r"\b(?:https?://|www\.)[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]"),
    "amount": re.compile(
        r"(?:[$€£¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|thousand|billion)\b)?)"
        r"|(?:\b\d[\d,]*(?:\.\d+)?\s?(?:k\s)?(?:usd|eur|gbp|chf|cad|aud|dollars|euros|pounds)\b)",
        re.IGNORECASE,
    ),
    "percentage": re.compile(r"\b\d+(?:\.\d+)?\s?(?:%|percent\b|per cent\b)", re.IGNORECASE),
    "identifier": re.compile(r"\b[A-Z]{2,}-\d+\b|#\d{2,}\b"),
    "date": DATE_PATTERN,
    "phone": re.compile(
        r"(?<![\w/:.-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{2,4}[\s.-]\d{3,4}(?:[\s.-]\d{3,4})?(?![\w/:-])"
    ),
    "quantity": re.compile(rf"\b\d[\d,]*(?:\.\d+)?(?:\s?-\s?\d+)?\s?{_UNITS}\b", re.IGNORECASE),
}
_LOWERED_KINDS = {"amount", "percentage", "date", "quantity"}
"""Kinds whose patterns run on lower-cased text without IGNORECASE (several times faster in `re`)."""
_FAST = {kind: re.compile(p.pattern) if kind in _LOWERED_KINDS else p for kind, p in _PATTERNS.items()}
_NUMBER = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z'’-]*[a-zA-Z]\b|\b[A-Z]{2,}\b")
_NOT_NAMES = frozenset(
    """I I'm I'll I've I'd OK FYI ETA EOD COB UTC GMT PST EST CET BST AM PM Q1 Q2 Q3 Q4 ASAP TBD TBC RAG FAQ PS
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
    September October November December Mon Tue Wed Thu Fri Sat Sun Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct
    Nov Dec We We're We'll We've We'd You You're You'll Our Your It It's If In While The This That These Those
    Hi Hello Dear Thanks Thank Best Regards Kind Cheers Sincerely Subject Re Fwd Team Next Owner Date
    New Update Status Option Options Step Steps Action Actions Impact Cause Summary Note
    API APIs URL URLs PDF PDFs CSV UI UX QA SLA SLAs SQL HTML CSS JSON XML SDK CDN DNS VPN HR FAQs CEO CTO CFO PM ID
    IDs""".split()
)
"""Words a capital does not make a name: the pronoun I, time zones, days and months (dates are their own kind of
fact), a letter's stock words, and the technical acronyms every message uses ("the API", "a CSV"), which are nouns,
not names: a rewrite that cuts "because your team never sent the API keys" has dropped an accusation, not a fact."""


_NEVER_NAMES = frozenset("i we you our your it if in while the this that these those they he she".split())
"""Words that are never a name wherever they stand (a sentence start the splitter missed, a heading)."""


@dataclass(frozen=True)
class Fact:
    kind: str
    value: str
    start: int
    end: int


def strip_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(" ", text)


def _is_name(word: str, at_sentence_start: bool) -> bool:
    if word in _NOT_NAMES:
        return False
    low = word.lower().replace("’", "'")
    if low.split("'")[0] in _NEVER_NAMES:
        return False
    if at_sentence_start and (low in common_words() or low.split("'")[0] in common_words()):
        return False
    return len(word) > 1


@lru_cache(maxsize=32)
def extract_facts(text: str) -> tuple[Fact, ...]:
    """Every fact in the text, with its span; overlapping kinds keep the first (most specific) match."""
    low = lowered(text)
    # One flag per character says whether a kept fact covers it: checking and marking a match costs its length,
    # and one pattern's matches never overlap, so the whole pass is linear in the text (a list of taken spans
    # searched per match was quadratic on a long model reply).
    taken = bytearray(len(text) + 1)
    facts: list[Fact] = []

    def take(start: int, end: int) -> bool:
        if taken.find(1, start, end) >= 0:
            return False
        taken[start:end] = b"\x01" * (end - start)
        return True

    for kind, pattern in _FAST.items():
        for m in pattern.finditer(low if kind in _LOWERED_KINDS else text):
            if kind == "phone" and sum(ch.isdigit() for ch in m.group(0)) < 8:
                continue
            if take(m.start(), m.end()):
                facts.append(Fact(kind, text[m.start() : m.end()], m.start(), m.end()))
    for m in _NUMBER.finditer(text):
        if take(m.start(), m.end()):
            facts.append(Fact("number", m.group(0), m.start(), m.end()))
    starts = _sentence_starts(text)
    for m in _CAPITALISED.finditer(text):
        if taken.find(1, m.start(), m.end()) < 0 and _is_name(m.group(0), m.start() in starts):
            facts.append(Fact("name", m.group(0), m.start(), m.end()))
    return tuple(sorted(facts, key=lambda f: f.start))


def _sentence_starts(text: str) -> set[int]:
    """Where a sentence, a line or a bullet's text begins (a capital there says nothing about a name), and every
    word of a shouted run or a title-case heading ("WE ARE NOT RESPONSIBLE", "Our Personal Guarantee"), whose
    capitals say as little."""
    starts = {s.start for s in sentences(text)}
    starts.update(m.end() for m in re.finditer(r"(?:^|\n)[ \t]*(?:[-*•>]+[ \t]*|\d+[.)][ \t]*)?[\"'(“‘]?", text))
    starts.update(m.end() for m in re.finditer(r"[.!?:;][\"')”’]*\s+[\"'(“‘]?", text))
    for run in _SHOUTED_RUN.finditer(text):
        starts.update(m.start() + run.start() for m in _CAPITALISED.finditer(run.group(0)))
    for heading in _TITLE_CASE_HEADING.finditer(text):
        starts.update(m.start() + heading.start() for m in _CAPITALISED.finditer(heading.group(0)))
    return starts


_SHOUTED_RUN = re.compile(r"\b[A-Z]{2,}(?:[ \t,]+[A-Z]{2,}){2,}\b")
"""Three or more words in capitals in a row: shouting, not three acronyms."""
_TITLE_CASE_HEADING = re.compile(
    r"(?m)^[ \t#*>-]*(?:[A-Z][\w'’-]*)(?:[ \t]+(?:[A-Z][\w'’-]*|of|and|the|to|for|a|an|in|on|with|&)){1,6}[ \t*:!]*$"
)
"""A line of two to seven capitalised words and nothing else ("Our Personal Guarantee", "What We Promise You:"): a
heading, capitalised by convention."""


_WORD_NUMBERS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}
_MONTHS = {m[:3]: i for i, m in enumerate(MONTH_NAMES, 1)}
_DAYS = {d[:3]: d for d in "monday tuesday wednesday thursday friday saturday sunday".split()}
_PREPOSITION = re.compile(r"^(?:next|this|on|by|until|before|from|coming|within|in|the)\s+")
_CURRENCY = {"$": "usd", "€": "eur", "£": "gbp", "¥": "jpy", "dollars": "usd", "euros": "eur", "pounds": "gbp"}
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}


def _number(value: str) -> str:
    number = float(value.replace(",", ""))
    return str(int(number)) if number.is_integer() else str(number)


def _normal_date(value: str) -> str:
    v = " ".join(value.lower().replace(",", " ").replace(".", " ").split())
    v = _PREPOSITION.sub("", v)
    month = re.search(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", v)
    day = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\b(?!:)", v)
    year = re.search(r"\b(\d{4})\b", v)
    if month and day and not re.search(r"\b(?:early|mid|late|end|beginning|start)\b", v):
        return f"{_MONTHS[month.group(1)]:02d}-{int(day.group(1)):02d}" + (f"-{year.group(1)}" if year else "")
    time = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s?(am|pm|a m|p m)?(?:\s?([a-z]{2,4}))?", v)
    if time and (time.group(2) or time.group(3)):
        hour, minute = int(time.group(1)), int(time.group(2) or 0)
        meridiem = (time.group(3) or "").replace(" ", "")
        if meridiem == "pm" and hour < 12:
            hour += 12
        if meridiem == "am" and hour == 12:
            hour = 0
        return f"{hour:02d}:{minute:02d}" + (f" {time.group(4)}" if time.group(4) else "")
    if v in {"noon", "midday"}:
        return "12:00"
    weekday = re.fullmatch(r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*", v)
    if weekday:
        return _DAYS[weekday.group(1)]
    return re.sub(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b", lambda m: _WORD_NUMBERS[m.group(1)], v)


def _normal_amount(value: str) -> str:
    v = value.lower().replace(" ", "")
    currency = next((code for mark, code in _CURRENCY.items() if mark in v), "")
    currency = currency or next((c for c in ("usd", "eur", "gbp", "chf", "cad", "aud") if c in v), "")
    digits = re.search(r"\d[\d,]*(?:\.\d+)?", v)
    scale = re.search(r"\d(k|m|bn|million|thousand|billion)\b", v)
    number = float(digits.group(0).replace(",", "")) if digits else 0.0
    if scale:
        number *= _SCALE[scale.group(1)]
    return f"{currency} {_number(str(number))}".strip()


def _normal(kind: str, value: str) -> str:
    if kind == "date":
        return _normal_date(value)
    if kind == "amount":
        return _normal_amount(value)
    if kind == "phone":
        return re.sub(r"\D", "", value)
    if kind in {"percentage", "number"}:
        return _number(re.sub(r"[^\d.,]", "", value).rstrip("."))
    if kind == "quantity":
        v = " ".join(value.lower().replace(",", "").split())
        v = re.sub(r"(\d)\s*-\s*(\d)", r"\1-\2", v)
        v = re.sub(r"(\d)\s?([a-z])", r"\1 \2", v)
        return re.sub(r"(?<=[a-z])s$", "", v)
    if kind == "link":
        return re.sub(r"^(?:https?://)?(?:www\.)?", "", value.lower()).rstrip("/")
    return re.sub(r"'s$", "", " ".join(value.lower().replace("’", "'").split()).rstrip("."))


def fact_values(text: str) -> dict[tuple[str, str], str]:
    """The text's facts as a set of (kind, normalised value), each with the first way it was written."""
    found: dict[tuple[str, str], str] = {}
    for fact in extract_facts(strip_placeholders(text)):
        shown = fact.value.rstrip(".") if fact.kind == "date" else fact.value
        found.setdefault((fact.kind, _normal(fact.kind, fact.value)), shown)
    return found


@lru_cache(maxsize=32)
def _word_set(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9][a-z0-9'’-]*", lowered(strip_placeholders(text)).replace("’", "'")))


_DIGIT_RUN = re.compile(r"[\d.]+")


class _Guises:
    """Where one text's facts can hide another's: its words (for names) and the runs of digits and points in its
    other facts' values (for numbers), built once so each lookup is a set probe, not a scan of every value."""

    def __init__(self, values: dict[tuple[str, str], str], text: str) -> None:
        self.values = values
        self.text = text
        self.non_names = [v for k, v in values if k != "name"]
        self.runs = {run for v in self.non_names for run in _DIGIT_RUN.findall(v)}

    def keeps(self, kind: str, value: str) -> bool:
        """A fact the text keeps in another guise: a name in lower case, a number inside a date or amount."""
        if kind == "name":
            words = _word_set(self.text)
            return value in words or f"{value}'s" in words
        if kind == "number":
            if _DIGIT_RUN.fullmatch(value):
                # Found between non-[digit or point] characters, a value made of digits and points is exactly one
                # maximal run of them: the set of runs answers the search below.
                return value in self.runs
            return any(re.search(rf"(?<![\d.]){re.escape(value)}(?![\d.])", v) for v in self.non_names)
        return False


def compare_facts(draft: str, rewrite: str) -> tuple[ChangedFact, ...]:
    """Facts dropped from the draft and facts the rewrite added (invented or changed)."""
    before, after = fact_values(draft), fact_values(rewrite)
    in_before, in_after = _Guises(before, draft), _Guises(after, rewrite)
    changes = [
        ChangedFact(kind=kind, change="dropped", value=before[(kind, value)])
        for (kind, value) in before
        if (kind, value) not in after and not in_after.keeps(kind, value)
    ]
    changes += [
        ChangedFact(kind=kind, change="added", value=after[(kind, value)])
        for (kind, value) in after
        if (kind, value) not in before and not in_before.keeps(kind, value)
    ]
    return tuple(changes)


def contains_fact(text: str) -> bool:
    """True if the text holds anything a rewrite must not delete."""
    return any(f.kind != "name" or len(f.value) > 1 for f in extract_facts(strip_placeholders(text)))
