"""Suppressions: what a writer or a team has decided Candor should not flag, and the note that says it was ignored.

People fight a linter they cannot silence, so Candor can be told to ignore, in three places:

- in the draft, `<!-- candor: ignore blame-vendor, vague_timing -->` (an HTML comment: invisible in rendered
  Markdown, and removed from the text before it is reviewed; a plain-text mail would send it as written, so mail
  uses the header);
- in a mail, the header `X-Candor-Ignore: blame-vendor` (the sendmail wrapper removes X-Candor-* headers before it
  hands the mail on, so the recipient never sees them);
- in the project config, `ignore = ["vague_timing-soon"]` for rules and `allow_phrases = ["force majeure"]` for
  phrases that are right for this team (a finding whose quote overlaps an allowed phrase is dropped).

A name matches a rule id exactly (`blame-vendor`), a rule family (`blame` matches every `blame-*` rule), or a
missing element (`missing-owner`, or `missing` for all of them). Nothing is dropped silently: the review's notes
list what was ignored and why, and a name that matched nothing is noted too (a typo must not look like a fix).
Pure: text in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reviewer.models import Finding, Missing

DIRECTIVE = re.compile(r"<!--\s*candor:\s*ignore\b(?P<names>[^>]*?)-->", re.IGNORECASE)
IGNORE_HEADER = "X-Candor-Ignore"
_NAME = re.compile(r"^[a-z][a-z0-9_]*(?:-[a-z0-9_]+)*$")


def split_names(value: str) -> tuple[str, ...]:
    """`"blame-vendor, vague_timing"` -> ("blame-vendor", "vague_timing"); anything that is not a rule name is
    left out."""
    names = (n.strip().lower() for n in re.split(r"[,\s]+", value))
    return tuple(dict.fromkeys(n for n in names if n and _NAME.match(n)))


def extract_directives(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without its `<!-- candor: ignore ... -->` comments, and the names they give."""
    names: list[str] = []

    def drop(match: re.Match[str]) -> str:
        names.extend(split_names(match["names"]))
        return ""

    return DIRECTIVE.sub(drop, text), tuple(dict.fromkeys(names))


IGNORED = "Ignored as asked"
UNMATCHED = "Ignore"
NOTE_PREFIXES = (f"{IGNORED} (", f"{UNMATCHED} ")
"""How the notes about suppressions begin: a front end that shows nothing else (a passing mail) still shows them."""


@dataclass(frozen=True)
class Suppressions:
    """The rules and phrases to ignore for one message."""

    rules: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rules or self.phrases)

    def rule_for(self, rule: str) -> str | None:
        """The name that ignores this finding's rule, if any."""
        family = rule.split("-", 1)[0]
        for name in self.rules:
            if name in (rule, family) or rule.startswith(name + "-"):
                return name
        return None

    def missing_for(self, missing: Missing) -> str | None:
        for name in self.rules:
            if name in ("missing", f"missing-{missing.id}"):
                return name
        return None

    def allowed_spans(self, text: str) -> list[tuple[int, int, str]]:
        low = text.lower()
        spans: list[tuple[int, int, str]] = []
        for phrase in self.phrases:
            needle = phrase.lower()
            start = low.find(needle)
            while needle and start >= 0:
                spans.append((start, start + len(needle), phrase))
                start = low.find(needle, start + 1)
        return spans


@dataclass(frozen=True)
class Filtered:
    findings: tuple[Finding, ...]
    missing: tuple[Missing, ...]
    notes: tuple[str, ...]
    """What was ignored and by what, one note per name or phrase."""


def apply(suppressions: Suppressions, text: str, findings: Sequence[Finding], missing: Iterable[Missing]) -> Filtered:
    """Drop the suppressed findings and missing elements; a positive finding is never dropped (nothing to fix)."""
    spans = suppressions.allowed_spans(text)
    ignored: dict[str, list[str]] = {}
    kept: list[Finding] = []
    for finding in findings:
        reason = None
        if finding.severity != "positive":
            reason = suppressions.rule_for(finding.rule)
            if reason is None:
                reason = next(
                    (f"allow_phrases “{p}”" for s, e, p in spans if s < finding.end and finding.start < e), None
                )
        if reason is None:
            kept.append(finding)
        else:
            ignored.setdefault(reason, []).append(f"{finding.rule} “{finding.quote}”")
    kept_missing: list[Missing] = []
    for item in missing:
        reason = suppressions.missing_for(item)
        if reason is None:
            kept_missing.append(item)
        else:
            ignored.setdefault(reason, []).append(f"missing-{item.id}")
    notes = [f"{IGNORED} ({reason}): {', '.join(what)}." for reason, what in ignored.items()]
    for name in suppressions.rules:
        if name not in ignored:
            notes.append(f"{UNMATCHED} {name} matched nothing in this draft (is the rule name right?).")
    return Filtered(tuple(kept), tuple(kept_missing), tuple(notes))
