"""Redaction before a remote model: what in a draft identifies someone, a stable placeholder for each, and the way back.

`plan_redaction(text, client=..., names=...)` finds emails, links, phone numbers, amounts, account and invoice
numbers, other long references, and people's and the client's names, and returns a `Redaction`: the text with each
value replaced by a placeholder (`[EMAIL_1]`, `[NAME_2]`, `[AMOUNT_1]`), the spans it replaced (offsets into the
original), and the mapping back. The same value gets the same placeholder everywhere in one review, so the model can
still tell that the name in the greeting is the name in the third paragraph. `Redaction.restore` maps a model's
text (rationales, quotes, the rewrite) back exactly; `Redaction.hide` replaces known values in any other text
that is sent (a repair request).

Dates, times, percentages and quantities are kept: the review needs them ("14 March", "99.9%", "3 days") and
they identify no one on their own. Names are found the way the fact checker finds them (`reviewer.facts`: a
capitalised word that is not an ordinary word opening a sentence), plus the names after a greeting and in a
sign-off, the client's name, and a configured list (`redact_names`) for what detection misses. All-caps words
(API, SLA, QA) are taken for acronyms, not names.

Placeholders never collide with the draft: if the draft already holds something that looks like one (`[EMAIL_1]`),
every placeholder of this review gets a tag (`[EMAIL_R1]`, then `[EMAIL_RR1]`...) that the draft does not hold.

Pure: no I/O; the mapping lives in memory for one review and is never logged, cached or sent.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from reviewer.facts import common_words, extract_facts

LABELS: dict[str, str] = {
    "email": "EMAIL",
    "url": "URL",
    "phone": "PHONE",
    "amount": "AMOUNT",
    "account": "ACCOUNT",
    "invoice": "INVOICE",
    "reference": "REF",
    "client": "CLIENT",
    "name": "NAME",
}
"""Kind -> the word its placeholders carry."""
KIND_TITLES: dict[str, tuple[str, str]] = {
    "email": ("email", "emails"),
    "url": ("link", "links"),
    "phone": ("phone number", "phone numbers"),
    "amount": ("amount", "amounts"),
    "account": ("account number", "account numbers"),
    "invoice": ("invoice number", "invoice numbers"),
    "reference": ("reference", "references"),
    "client": ("client name", "client names"),
    "name": ("name", "names"),
}
_KIND_OF_LABEL = {label: kind for kind, label in LABELS.items()}
_PLACEHOLDER_WORDS = "|".join(LABELS.values())

_BARE_DOMAIN = re.compile(
    r"(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|org|net|io|co|uk|de|fr|nl|es|it|eu|us|ca|au|ch|se|no|dk|fi|be|at|ie|in|app|dev|ai|biz|info)"
    r"(?:/[^\s<>\"')\]]*[^\s<>\"')\].,;:!?])?(?![\w-])",
    re.IGNORECASE,
)
_LABEL = r"(?:no\.?|nr\.?|number|num|id|#)"
_VALUE = (
    r"(?P<value>#?\s?(?=[A-Za-z/-]*\d)[A-Za-z0-9][A-Za-z0-9/-]{0,33}(?![\w/-])"
    r"(?:[ ](?=[A-Za-z/-]*\d)[A-Za-z0-9][A-Za-z0-9/-]{0,33}(?![\w/-])){0,5})"
)
_ACCOUNT = re.compile(
    rf"\b(?:account|acct|a/c|iban|sort[ -]code|routing|customer[ \t]+{_LABEL}|member(?:ship)?[ \t]+{_LABEL}|"
    rf"policy|contract)\b\.?(?:[ \t]*{_LABEL})?[ \t:]*{_VALUE}",
    re.IGNORECASE,
)
_INVOICE = re.compile(
    rf"\b(?:invoice|inv|bill|receipt|purchase[ \t]+order|order|quote|quotation|credit[ \t]+note|ref|reference|"
    rf"P\.?O)\b\.?(?:[ \t]*{_LABEL})?[ \t:]*{_VALUE}",
    re.IGNORECASE,
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_CODE_AMOUNT = re.compile(
    r"(?<![A-Za-z])(?:usd|eur|gbp|chf|cad|aud|jpy|inr|nzd|sek|nok|dkk)\s?\d+(?:,\d{3})*(?:\.\d+)?"
    r"(?:\s?(?:k|m|bn|million|thousand|billion)\b)?",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^[ \t]*(?:hi|hello|hey|dear|morning|good (?:morning|afternoon|evening)|greetings)\b[ \t]+"
    r"(?P<names>[^\n,!:;.?]{1,60})(?=[,!:;]|[ \t]*(?:\n|$))",
    re.IGNORECASE | re.MULTILINE,
)
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:thanks|thank you|many thanks|best|best wishes|best regards|kind regards|regards|warm regards|warmly|"
    r"cheers|sincerely|all the best|talk soon|speak soon|yours(?: truly| sincerely)?)\b[^\n]{0,40}$",
    re.IGNORECASE | re.MULTILINE,
)
_SAME_LINE_NAME = re.compile(r"^[^\n,]*,[ \t]*(?P<names>[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*){0,2})[ \t]*$")
_NAME_LINE = re.compile(r"[ \t]*(?:[-–—][ \t]*)?(?P<names>[A-Za-z][\w'’.-]*(?:[ \t]+[A-Za-z][\w'’.-]*){0,2})[ \t]*$")
_WORD = re.compile(r"[A-Za-z][\w'’-]*[A-Za-z]|[A-Za-z]")
_NOT_GREETED = frozenset(
    """all everyone everybody there team folks both guys again you y'all and sir madam friends people colleagues
    mr mrs ms dr the support thanks regards best cheers hi hello dear morning""".split()
)
"""Words after a greeting or in a sign-off that are not a name ("Hi all", "Dear Mr Smith", "Thanks, the team")."""
_POSSESSIVE = ("'s", "’s")


@dataclass(frozen=True)
class RedactedSpan:
    """One stretch of the original text that the model saw as `placeholder`."""

    kind: str
    start: int
    end: int
    placeholder: str


@dataclass(frozen=True, eq=False)
class Redaction:
    """A draft as the model sees it, and the way back. `values` (placeholder -> original) stays in memory."""

    original: str
    redacted: str
    spans: tuple[RedactedSpan, ...]
    client: str | None
    """The client's name as sent (its placeholder), or None."""
    values: Mapping[str, str] = field(repr=False)
    tag: str = ""

    def restore(self, text: str) -> str:
        """The model's text with every placeholder of this review put back; an unknown one stays as written."""
        if not self.values:
            return text
        pattern = _restore_pattern(self.tag)

        def back(match: re.Match[str]) -> str:
            key = _placeholder(match.group(1).upper(), self.tag, int(match.group(2)))
            return self.values.get(key, match.group(0))

        return pattern.sub(back, text)

    def hide(self, text: str) -> str:
        """Any text about to be sent, with every value this review redacted replaced by its placeholder."""
        if not self.values:
            return text
        by_value = {value: key for key, value in self.values.items()}
        pieces: list[str] = []
        position = 0
        for start, end, value in whole_words(text, by_value):
            if start >= position:
                pieces += [text[position:start], by_value[value]]
                position = end
        pieces.append(text[position:])
        return "".join(pieces)

    def counts(self) -> dict[str, int]:
        """How many stretches of each kind were redacted, in a fixed kind order."""
        out: dict[str, int] = {}
        for kind in LABELS:
            number = sum(1 for s in self.spans if s.kind == kind)
            if number:
                out[kind] = number
        return out

    def summary(self) -> str:
        """One line for the review's notes: what the model did not see."""
        parts = []
        for kind, number in self.counts().items():
            one, many = KIND_TITLES[kind]
            parts.append(f"{number} {one if number == 1 else many}")
        if not parts and self.client is None:
            return "Redaction was on: nothing in the draft needed redacting."
        listed = ", ".join(parts) if parts else "the client's name"
        return f"Redacted before sending to the model: {listed} (the review maps them back)."


def _placeholder(label: str, tag: str, number: int) -> str:
    return f"[{label}_{tag}{number}]"


@lru_cache(maxsize=8)
def _restore_pattern(tag: str) -> re.Pattern[str]:
    return re.compile(rf"\[\s*({_PLACEHOLDER_WORDS})_{tag}(\d+)\s*\]", re.IGNORECASE)


def _free_tag(*texts: str) -> str:
    """The shortest tag whose placeholders (in any case or spacing the restore accepts) appear in none of `texts`."""
    tag = ""
    while any(_restore_pattern(tag).search(t) for t in texts):
        tag += "R"
    return tag


class _Picker:
    """Chosen spans, never overlapping; a protected span (a date) blocks later ones without being redacted."""

    def __init__(self, length: int) -> None:
        self.used = bytearray(length)
        """1 where a span was chosen or protected, 2 where chosen only."""
        self.chosen: list[tuple[int, int, str]] = []

    def free(self, start: int, end: int, *, over_protected: bool = False) -> bool:
        if end <= start:
            return False
        if over_protected:
            return 2 not in self.used[start:end]
        return not any(self.used[start:end])

    def protect(self, start: int, end: int) -> None:
        self.used[start:end] = bytes(1 if b == 0 else b for b in self.used[start:end])

    def take(self, start: int, end: int, kind: str, *, over_protected: bool = False) -> bool:
        """Choose the span if it is free; `over_protected`: a known value wins over a protected date or quantity."""
        if not self.free(start, end, over_protected=over_protected):
            return False
        self.used[start:end] = b"\2" * (end - start)
        self.chosen.append((start, end, kind))
        return True


def _words_pattern(value: str) -> re.Pattern[str]:
    """`value` as a whole word or phrase, any case, any run of whitespace between its words."""
    words = [re.escape(w) for w in value.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _name_words(text: str, start: int, segment: str) -> Iterable[tuple[int, int]]:
    """Words of a greeting or sign-off segment that are names: capitalised, or lower-case and not ordinary words."""
    for m in _WORD.finditer(segment):
        word = m.group(0)
        low = word.lower().replace("’", "'")
        if low in _NOT_GREETED or len(word) < 2:
            continue
        if word[0].isupper() or low not in common_words():
            yield start + m.start(), start + m.end()


def _greeting_and_sign_off_names(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _GREETING.finditer(text):
        if len(m.group("names").split()) <= 4:
            spans.extend(_name_words(text, m.start("names"), m.group("names")))
    for m in _SIGN_OFF.finditer(text):
        same = _SAME_LINE_NAME.match(m.group(0))
        if same:
            spans.extend(_name_words(text, m.start() + same.start("names"), same.group("names")))
        rest = text[m.end() :]
        following = rest.lstrip("\n")
        skipped = len(rest) - len(following)
        if skipped == 0:
            continue
        line = _NAME_LINE.match(following.split("\n", 1)[0])
        if line:
            spans.extend(_name_words(text, m.end() + skipped + line.start("names"), line.group("names")))
    return spans


def _identifier_kind(value: str) -> str:
    head = value.lstrip("#").upper()
    if head.startswith("INV"):
        return "invoice"
    if head.startswith(("ACC", "ACCT")):
        return "account"
    return "reference"


def _trim_possessive(text: str, start: int, end: int) -> int:
    return end - 2 if text[start:end].endswith(_POSSESSIVE) and end - 2 > start else end


def find_redactions(text: str, *, client: str | None = None, names: Iterable[str] = ()) -> list[tuple[int, int, str]]:
    """Every stretch to redact, as (start, end, kind), in text order and never overlapping."""
    pick = _Picker(len(text))
    facts = extract_facts(text)
    # 1. Emails and links first: they contain names and digits of their own.
    for fact in facts:
        if fact.kind in ("email", "link"):
            pick.take(fact.start, fact.end, "email" if fact.kind == "email" else "url")
    for m in _BARE_DOMAIN.finditer(text):
        if any(c.isalpha() for c in m.group(0).rsplit(".", 1)[0]):
            pick.take(m.start(), m.end(), "url")
    # Amounts before quantities: "EUR 1,200, invoice 88412" is an amount, not 1,200 invoices.
    for m in _CODE_AMOUNT.finditer(text):
        pick.take(m.start(), m.end(), "amount")
    # 2. What the review needs is never redacted: dates, times, percentages, quantities ("3 days").
    for fact in facts:
        # (not a "quantity" across a comma: in "no. 55512, order 77" the number is not a count of orders)
        if fact.kind in ("date", "percentage") or (fact.kind == "quantity" and not re.search(r",\s", fact.value)):
            pick.protect(fact.start, fact.end)
    # 3. Account and invoice numbers, named as such ("invoice no. 4521", "account 1234 5678", an IBAN).
    for m in _IBAN.finditer(text):
        pick.take(m.start(), m.end(), "account")
    for pattern, kind in ((_ACCOUNT, "account"), (_INVOICE, "invoice")):
        for m in pattern.finditer(text):
            value = m.group("value")
            if sum(c.isdigit() for c in value) >= 3:
                offset = len(value) - len(value.lstrip("# "))
                pick.take(m.start("value") + offset, m.end("value"), kind)
    # 4. Amounts, phone numbers, identifiers (INV-2041, #4521) and long bare numbers.
    for fact in facts:
        if fact.kind == "amount" or fact.kind == "phone":
            pick.take(fact.start, fact.end, fact.kind)
        elif fact.kind == "identifier":
            pick.take(fact.start, fact.end, _identifier_kind(fact.value))
        elif fact.kind == "number" and fact.value.isdigit() and len(fact.value) >= 6:
            pick.take(fact.start, fact.end, "reference")
    # Every other occurrence of a value found above, even where its pattern could not see it ("...comhttps://").
    repeated: set[str] = set()
    for start, end, kind in list(pick.chosen):
        value = text[start:end]
        if value in repeated:
            continue
        repeated.add(value)
        at = text.find(value)
        while at >= 0 and len(value) >= 4:
            pick.take(at, at + len(value), kind, over_protected=True)
            at = text.find(value, at + 1)
    # 5. Names: the client's, the configured ones, greeting and sign-off names, then proper names in the text.
    for value, kind in [(client, "client"), *((n, "name") for n in names)]:
        if value and value.strip():
            for m in _words_pattern(value.strip()).finditer(text):
                pick.take(m.start(), m.end(), kind)
    found: list[tuple[int, int]] = _greeting_and_sign_off_names(text)
    found += [(f.start, f.end) for f in facts if f.kind == "name" and not f.value.isupper()]
    values: set[str] = set()
    for start, end in found:
        end = _trim_possessive(text, start, end)
        if pick.take(start, end, "name"):
            values.add(text[start:end])
    # Every other whole-word occurrence of a name found above (a sentence-initial "Dana"), unless it is also an
    # ordinary word ("Will", "Mark"): those are redacted only where they were found as names.
    repeatable = [v for v in values if v.lower() not in common_words()]
    for start, end, _ in whole_words(text, repeatable):
        pick.take(start, end, "name")
    return sorted(pick.chosen)


_TOKEN = re.compile(r"\w+")


def whole_words(text: str, values: Iterable[str]) -> list[tuple[int, int, str]]:
    """Every occurrence of each value as a whole word (no word character either side), longest value first where
    two start at one place. Linear in the text for one-word values (a dictionary, not a regex of thousands of
    alternatives); values with other characters are searched one by one."""
    simple = {v for v in values if _TOKEN.fullmatch(v)}
    other = sorted({v for v in values if v and v not in simple}, key=len, reverse=True)
    found = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text) if m.group(0) in simple]
    for value in other:
        at = text.find(value)
        while at >= 0:
            end = at + len(value)
            before = text[at - 1] if at else " "
            after = text[end] if end < len(text) else " "
            edge_ok = not (value[0].isalnum() or value[0] == "_") or not (before.isalnum() or before == "_")
            tail_ok = not (value[-1].isalnum() or value[-1] == "_") or not (after.isalnum() or after == "_")
            if edge_ok and tail_ok:
                found.append((at, end, value))
            at = text.find(value, at + 1)
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    return found


def plan_redaction(text: str, *, client: str | None = None, names: Iterable[str] = ()) -> Redaction:
    """The draft as the model will see it: every value `find_redactions` finds replaced by a stable placeholder."""
    names = tuple(names)
    client_value = client.strip() if client and client.strip() else None
    spans = find_redactions(text, client=client_value, names=names)
    tag = _free_tag(text, client or "")
    by_value: dict[str, str] = {}
    counters: dict[str, int] = {}

    def placeholder_for(value: str, kind: str) -> str:
        if value not in by_value:
            label = LABELS[kind]
            counters[label] = counters.get(label, 0) + 1
            by_value[value] = _placeholder(label, tag, counters[label])
        return by_value[value]

    sent_client = placeholder_for(client_value, "client") if client_value is not None else None
    pieces: list[str] = []
    chosen: list[RedactedSpan] = []
    position = 0
    for start, end, kind in spans:
        placeholder = placeholder_for(text[start:end], kind)
        pieces += [text[position:start], placeholder]
        chosen.append(RedactedSpan(kind=_KIND_OF_LABEL[placeholder[1:].split("_", 1)[0]], start=start, end=end,
                                   placeholder=placeholder))  # fmt: skip
        position = end
    pieces.append(text[position:])
    return Redaction(
        original=text,
        redacted="".join(pieces),
        spans=tuple(chosen),
        client=sent_client,
        values={p: v for v, p in by_value.items()},
        tag=tag,
    )


_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def is_local_endpoint(base_url: str | None) -> bool:
    """True for a base URL on this machine's loopback (localhost, 127.0.0.0/8, ::1); False for anything else,
    including no URL at all (the OpenAI API). The name is not looked up: a host name is local only if it says so."""
    if not base_url:
        return False
    try:
        host = urlsplit(base_url).hostname
    except ValueError:
        return False
    if not host:
        return False
    host = host.rstrip(".").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def redaction_wanted(redact: bool | None, base_url: str | None) -> bool:
    """`redact` as configured, or by default: on for any endpoint off this machine, off for a loopback one."""
    return (not is_local_endpoint(base_url)) if redact is None else redact


__all__ = [
    "KIND_TITLES",
    "LABELS",
    "RedactedSpan",
    "Redaction",
    "find_redactions",
    "is_local_endpoint",
    "plan_redaction",
    "redaction_wanted",
]
