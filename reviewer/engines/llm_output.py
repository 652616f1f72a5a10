"""Nothing from the model is trusted: parse its reply, check it against the rubric, and locate every quote.

`parse_reply` turns reply text into a `ModelReview` or raises `InvalidReply` with one line per problem (those lines
go back to the model in the single repair request). A valid reply has every rubric dimension, each with an integer
score from 1 to 5, a rationale and a list of quotes. `locate` finds a quote in the draft exactly, or after
collapsing runs of whitespace (models re-wrap lines), and returns offsets into the draft; a quote that cannot be
found, or is too short to mean anything, is dropped and counted, never shown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reviewer.models import Evidence
from reviewer.rubric import Rubric

MIN_QUOTE_CHARS = 3
"""Shorter quotes ("1", "we") match anywhere and support nothing."""
EVIDENCE_SLOT = "<exact phrase from the draft>"
RATIONALE_SLOT = "<one or two sentences>"
MISSING_DIMENSION_SLOT = "<dimension id>"
MISSING_SLOT = "<what the message leaves out>"
SUGGESTION_SLOT = "<one change, most important first>"
REWRITE_SLOT = "<the whole message, rewritten>"
TEMPLATE_SLOTS = (EVIDENCE_SLOT, RATIONALE_SLOT, MISSING_DIMENSION_SLOT, MISSING_SLOT, SUGGESTION_SLOT, REWRITE_SLOT)
"""The reply format's placeholders (`llm_prompt.output_shape`): small models copy them back instead of writing."""
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?```\s*$", re.DOTALL)


class InvalidReply(Exception):
    """The reply is not a usable review; `errors` are one line each, for the repair request and the final error."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ModelDimension:
    score: int
    rationale: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class ModelReview:
    dimensions: dict[str, ModelDimension]
    missing: tuple[tuple[str, str], ...]
    """(dimension id or "", what is missing)."""
    suggestions: tuple[str, ...]
    rewrite: str | None
    ignored: tuple[str, ...] = ()
    """Dimension ids the model scored that the rubric does not have."""


def _json(text: str) -> tuple[Any, str | None]:
    """The parsed JSON, or why not: bad syntax, and also numbers too long or nesting too deep for Python."""
    try:
        # strict=False: raw newlines inside strings (a rewrite's line breaks) are what models write; the content
        # is unambiguous, and everything in it is checked below like any other reply.
        return json.loads(text, strict=False), None
    except json.JSONDecodeError as err:
        return None, f"{err.msg} at character {err.pos}"
    except ValueError as err:  # an integer of thousands of digits
        return None, str(err).split(":")[0]
    except RecursionError:
        return None, "nested too deeply"


def _load_json(content: str) -> Any:
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    data, first = _json(text)
    if first is None:
        return data
    # JSON mode without a schema sometimes wraps the object in a sentence; take the outermost braces.
    start, end = text.find("{"), text.rfind("}")
    if start > 0 and end > start:
        data, error = _json(text[start : end + 1])
        if error is None:
            return data
        first = error
    if start < 0:
        raise InvalidReply(["the reply is not a JSON object"])
    raise InvalidReply([f"the reply is not valid JSON ({first})"])


def _score(value: Any, where: str, errors: list[str]) -> int | None:
    if isinstance(value, bool):
        errors.append(f"{where}.score must be an integer from 1 to 5, got {json.dumps(value)}")
        return None
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not number.is_integer():
        errors.append(f"{where}.score must be an integer from 1 to 5, got {json.dumps(value)}")
        return None
    if not 1 <= number <= 5:
        errors.append(f"{where}.score is {int(number)}, outside 1 to 5")
        return None
    return int(number)


def echoed_slot(value: str) -> str | None:
    """The reply format's placeholder that `value` copies instead of filling in (`<one or two sentences>`, in its
    brackets anywhere in the text, or its bare words as the whole text), else None."""
    low = " ".join(value.split()).lower()
    for slot in TEMPLATE_SLOTS:
        if slot in low or low.strip(" <>\"'.") == slot[1:-1]:
            return slot
    return None


def _no_echo(value: str, where: str, errors: list[str]) -> None:
    slot = echoed_slot(value)
    if slot is not None:
        errors.append(f"{where} repeats the reply format's placeholder {slot!r} instead of writing it")


def _strings(value: Any, where: str, errors: list[str], *, key: str | None = None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        errors.append(f"{where} must be a list of strings")
        return ()
    out: list[str] = []
    for item in value:
        if isinstance(item, dict) and key is not None and isinstance(item.get(key), str):
            item = item[key]
        if isinstance(item, str):
            if item.strip():
                out.append(item.strip())
        else:
            errors.append(f"{where} must hold strings, got {json.dumps(item)[:60]}")
    return tuple(out)


def parse_reply(content: str, rubric: Rubric) -> ModelReview:
    """Parse and check one reply against the rubric; raises `InvalidReply` listing every problem found."""
    data = _load_json(content)
    if not isinstance(data, dict):
        raise InvalidReply(["the reply must be a JSON object"])
    errors: list[str] = []
    raw_dims = data.get("dimensions")
    if isinstance(raw_dims, list):  # tolerate [{"id": ..., ...}] for {"<id>": {...}}
        raw_dims = {d.get("id"): d for d in raw_dims if isinstance(d, dict) and isinstance(d.get("id"), str)}
    if not isinstance(raw_dims, dict):
        raise InvalidReply(['"dimensions" must be an object with one entry per rubric dimension'])
    dimensions: dict[str, ModelDimension] = {}
    for dim_id in rubric.ids:
        where = f"dimensions.{dim_id}"
        entry = raw_dims.get(dim_id)
        if entry is None:
            errors.append(f"{where} is missing: score every dimension")
            continue
        if not isinstance(entry, dict):
            errors.append(f"{where} must be an object with evidence, rationale and score")
            continue
        score = _score(entry.get("score"), where, errors)
        rationale = entry.get("rationale")
        if not isinstance(rationale, str) or not rationale.strip():
            errors.append(f"{where}.rationale must be a non-empty string")
            rationale = None
        evidence = _strings(entry.get("evidence"), f"{where}.evidence", errors, key="quote")
        if rationale is not None:
            _no_echo(rationale, f"{where}.rationale", errors)
        for quote in evidence:
            _no_echo(quote, f"{where}.evidence", errors)
        if score is not None and rationale is not None:
            dimensions[dim_id] = ModelDimension(score=score, rationale=" ".join(rationale.split()), evidence=evidence)
    ignored = tuple(str(k) for k in raw_dims if k not in rubric.ids)
    missing: list[tuple[str, str]] = []
    raw_missing = data.get("missing")
    for item in raw_missing if isinstance(raw_missing, list) else []:
        if isinstance(item, str) and item.strip():
            missing.append(("", item.strip()))
        elif isinstance(item, dict) and isinstance(item.get("what"), str) and item["what"].strip():
            dim = item.get("dimension")
            missing.append((dim if dim in rubric.ids else "", item["what"].strip()))
    for _, what in missing:
        _no_echo(what, "missing", errors)
    suggestions = _strings(data.get("suggestions"), "suggestions", [])
    for suggestion in suggestions:
        _no_echo(suggestion, "suggestions", errors)
    rewrite = data.get("rewrite")
    if isinstance(rewrite, str):
        _no_echo(rewrite, "rewrite", errors)
    if errors:
        raise InvalidReply(list(dict.fromkeys(errors)))
    return ModelReview(
        dimensions=dimensions,
        missing=tuple(missing),
        suggestions=suggestions,
        rewrite=rewrite.strip() if isinstance(rewrite, str) and rewrite.strip() else None,
        ignored=ignored,
    )


@lru_cache(maxsize=4)
def _normalised(text: str) -> tuple[str, tuple[int, ...]]:
    """The text with every whitespace run as one space, and each kept character's offset in the original."""
    chars: list[str] = []
    offsets: list[int] = []
    in_space = False
    for index, ch in enumerate(text):
        if ch.isspace():
            if in_space:
                continue
            in_space = True
            chars.append(" ")
        else:
            in_space = False
            chars.append(ch)
        offsets.append(index)
    return "".join(chars), tuple(offsets)


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """Offsets of `quote` in `text`: exact first, then whitespace-normalised; None if absent or too short."""
    needle = quote.strip()
    if len(needle) < MIN_QUOTE_CHARS or not any(ch.isalnum() for ch in needle):
        return None
    found = text.find(needle)
    if found >= 0:
        return found, found + len(needle)
    flat, offsets = _normalised(text)
    flat_needle = " ".join(needle.split())
    found = flat.find(flat_needle)
    if found < 0:
        return None
    return offsets[found], offsets[found + len(flat_needle) - 1] + 1


def locate_all(text: str, quotes: tuple[str, ...]) -> tuple[tuple[Evidence, ...], int]:
    """Evidence for every quote found (deduplicated, in text order) and how many were dropped."""
    spans: dict[tuple[int, int], Evidence] = {}
    dropped = 0
    for quote in quotes:
        span = locate(text, quote)
        if span is None:
            dropped += 1
            continue
        start, end = span
        spans.setdefault(span, Evidence(start=start, end=end, quote=text[start:end]))
    return tuple(spans[s] for s in sorted(spans)), dropped


__all__ = ["InvalidReply", "ModelDimension", "ModelReview", "locate", "locate_all", "parse_reply"]
