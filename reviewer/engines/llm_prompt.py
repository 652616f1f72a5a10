"""Prompts as data: the files in `prompts/` rendered with langchain-core (mustache) from the rubric.

`system.md`, `review.md`, `rewrite.md` and `repair.md` are mustache templates; this module only builds the values
they are rendered with. Every dimension of the rubric (its question, definition, anchors and examples) is passed as
a list the template loops over, and the reply schema is generated from the rubric's ids, so a new dimension file
changes both the prompt and the schema with no code change.

The draft is passed as data between two markers that carry a hash of the draft itself: a draft cannot close the
block early, because it would have to contain a hash of its own text.

`PromptSet.hash` covers the template files and `RENDER_VERSION` (bump it when the rendering code changes what is
sent); with the rubric hash it keys the cache and the eval recordings. Reading and hashing the files is cheap and
needs no langchain, so a cache hit never imports it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from reviewer.engines.llm_output import (
    EVIDENCE_SLOT,
    MISSING_DIMENSION_SLOT,
    MISSING_SLOT,
    RATIONALE_SLOT,
    REWRITE_SLOT,
    SUGGESTION_SLOT,
)
from reviewer.prompts import read_prompt
from reviewer.rubric import Rubric

RENDER_VERSION = "1"
PROMPT_FILES = ("system.md", "review.md", "rewrite.md", "repair.md")
MAX_EVIDENCE = 3
MAX_LIST = 6


@dataclass(frozen=True, eq=False)
class PromptSet:
    """The prompt templates' text and their hash; the langchain templates are compiled on first render."""

    system: str
    review: str
    rewrite: str
    repair: str
    hash: str
    _compiled: dict[str, Any] = field(default_factory=dict, repr=False)
    _stand_ins: dict[tuple[Rubric, str, str], tuple[tuple[str, str], ...] | None] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def load(cls, directory: Path | None = None) -> PromptSet:
        texts = {name: read_prompt(name, directory) for name in PROMPT_FILES}
        digest = hashlib.sha256(RENDER_VERSION.encode())
        for name in PROMPT_FILES:
            digest.update(b"\0" + name.encode() + b"\0" + texts[name].encode("utf-8"))
        return cls(
            system=texts["system.md"],
            review=texts["review.md"],
            rewrite=texts["rewrite.md"],
            repair=texts["repair.md"],
            hash=digest.hexdigest()[:16],
        )

    def _templates(self) -> dict[str, Any]:
        if not self._compiled:
            from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

            self._compiled["chat"] = ChatPromptTemplate.from_messages(
                [("system", self.system), ("human", self.review)], template_format="mustache"
            )
            self._compiled["rewrite"] = PromptTemplate.from_template(self.rewrite, template_format="mustache")
            self._compiled["repair"] = PromptTemplate.from_template(self.repair, template_format="mustache")
        return self._compiled

    def render(
        self, rubric: Rubric, draft: str, *, situation: str | None = None, client: str | None = None
    ) -> tuple[tuple[str, str], ...]:
        """(role, content) messages for one review: system, then the user message with rubric and draft.

        The templates are rendered once per rubric, situation and client with stand-ins for the draft and its
        markers (`_with_stand_ins`), which each review then replaces: the same text as rendering every time (the
        templates insert these three raw, with triple braces, and test none of them), without the mustache
        rendering of the whole rubric on every call."""
        marker = hashlib.sha256(draft.encode("utf-8")).hexdigest()[:10]
        shapes = self._with_stand_ins(rubric, situation or "", client or "")
        if shapes is None:
            return self._render(rubric, draft, marker, situation or "", client or "")
        open_, close = f"<<<DRAFT {marker}>>>", f"<<<END DRAFT {marker}>>>"
        return tuple(
            (role, _clean(content.replace(_OPEN, open_).replace(_CLOSE, close).replace(_DRAFT, draft)))
            for role, content in shapes
        )

    def _render(
        self, rubric: Rubric, draft: str, marker: str, situation: str, client: str, *, clean: bool = True
    ) -> tuple[tuple[str, str], ...]:
        templates = self._templates()
        static = rubric_context(rubric)
        values = {
            "draft_open": f"<<<DRAFT {marker}>>>" if clean else _OPEN,
            "draft_close": f"<<<END DRAFT {marker}>>>" if clean else _CLOSE,
            "situation": situation,
            "client": client,
        }
        rewrite = templates["rewrite"].format(**values).strip()
        messages = templates["chat"].format_messages(**static, **values, draft=draft, rewrite_instructions=rewrite)
        roles = {"system": "system", "human": "user"}
        return tuple((roles[m.type], _clean(str(m.content)) if clean else str(m.content)) for m in messages)

    def _with_stand_ins(self, rubric: Rubric, situation: str, client: str) -> tuple[tuple[str, str], ...] | None:
        """The messages rendered with `_OPEN`, `_CLOSE` and `_DRAFT` in place of the markers and the draft, not yet
        stripped; None when a stand-in's NUL could be mistaken for text (a client or rubric holding one)."""
        shapes = self._stand_ins
        key = (rubric, situation, client)
        if key not in shapes:
            rendered = self._render(rubric, _DRAFT, "", situation, client, clean=False)
            own = [c.replace(_OPEN, "").replace(_CLOSE, "").replace(_DRAFT, "") for _, c in rendered]
            if len(shapes) >= 64:
                shapes.clear()
            shapes[key] = None if any("\0" in c for c in own) else rendered
        return shapes[key]

    def render_repair(self, errors: list[str]) -> str:
        return _clean(str(self._templates()["repair"].format(errors=errors[:8])))


_OPEN, _CLOSE, _DRAFT = "\0candor-draft-open\0", "\0candor-draft-close\0", "\0candor-draft\0"
"""Stand-ins rendered where the markers and the draft go (`PromptSet.render`): no template text holds a NUL."""

_DRAFT_BLOCK = re.compile(r"<<<DRAFT ([0-9a-f]{10})>>>\n(.*?)\n<<<END DRAFT \1>>>", re.DOTALL)


def draft_in(messages: Sequence[tuple[str, str]]) -> str | None:
    """The draft as the model sees it in rendered review messages (between its markers), or None."""
    for role, content in messages:
        if role == "user" and (found := _DRAFT_BLOCK.search(content)):
            return found.group(2)
    return None


def _clean(text: str) -> str:
    # Only the ends: the draft sits inside and must reach the model exactly as written.
    return text.strip()


@lru_cache(maxsize=16)
def rubric_context(rubric: Rubric) -> dict[str, Any]:
    """The rubric-dependent template values, built once per rubric."""
    dimensions = [
        {
            "id": d.id,
            "title": d.title,
            "question": d.question.strip(),
            "definition": " ".join(d.definition.split()),
            "weight": d.weight,
            "scale": [{"level": level, "anchor": d.scale[level].strip()} for level in "12345"],
            "good": list(d.examples.good),
            "bad": list(d.examples.bad),
        }
        for d in rubric.dimensions
    ]
    return {"rubric_name": rubric.name, "dimensions": dimensions, "output_shape": output_shape(rubric)}


def output_shape(rubric: Rubric) -> str:
    """An illustration of the reply for the prompt (the schema itself goes to the server when it takes one); its
    placeholders are `llm_output.TEMPLATE_SLOTS`, so a reply that copies one back is caught."""
    dims = ",\n".join(
        f'    "{d.id}": {{"evidence": ["{EVIDENCE_SLOT}"], "rationale": "{RATIONALE_SLOT}", "score": <1-5>}}'
        for d in rubric.dimensions
    )
    return (
        "{\n"
        f'  "dimensions": {{\n{dims}\n  }},\n'
        f'  "missing": [{{"dimension": "{MISSING_DIMENSION_SLOT}", "what": "{MISSING_SLOT}"}}],\n'
        f'  "suggestions": ["{SUGGESTION_SLOT}"],\n'
        f'  "rewrite": "{REWRITE_SLOT}"\n'
        "}"
    )


@lru_cache(maxsize=16)
def _schema_json(rubric: Rubric) -> str:
    ids = list(rubric.ids)
    dimension = {
        "type": "object",
        "properties": {
            "evidence": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_EVIDENCE},
            "rationale": {"type": "string"},
            "score": {"type": "integer", "enum": [1, 2, 3, 4, 5]},
        },
        "required": ["evidence", "rationale", "score"],
        "additionalProperties": False,
    }
    schema = {
        "type": "object",
        "properties": {
            "dimensions": {
                "type": "object",
                "properties": {i: dimension for i in ids},
                "required": ids,
                "additionalProperties": False,
            },
            "missing": {
                "type": "array",
                "maxItems": MAX_LIST,
                "items": {
                    "type": "object",
                    "properties": {"dimension": {"type": "string", "enum": ids}, "what": {"type": "string"}},
                    "required": ["dimension", "what"],
                    "additionalProperties": False,
                },
            },
            "suggestions": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_LIST},
            "rewrite": {"type": "string"},
        },
        "required": ["dimensions", "missing", "suggestions", "rewrite"],
        "additionalProperties": False,
    }
    # No maxLength: llama.cpp expands it into a grammar so large that the server aborts on it.
    return json.dumps(schema, sort_keys=True)


def reply_schema(rubric: Rubric) -> dict[str, Any]:
    """The JSON Schema of the model's reply for this rubric (a fresh copy each call)."""
    schema: dict[str, Any] = json.loads(_schema_json(rubric))
    return schema


__all__ = [
    "PROMPT_FILES",
    "RENDER_VERSION",
    "PromptSet",
    "draft_in",
    "output_shape",
    "reply_schema",
    "rubric_context",
]
