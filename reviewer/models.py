"""The review data model: frozen, typed, and serialised as a stable, versioned JSON document.

Every front end (CLI, hook, TUI, batch, evals) consumes `Review`; every engine produces it. Offsets are character
offsets into `Review.text`, the text that was actually reviewed (after quoted replies and signatures were stripped),
so any front end can highlight without re-parsing. The JSON Schema in `review.schema.json` is generated from these
classes (`candor schema --write`) and a test fails when the two drift.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID = "candor.review/1"

Severity = Literal["positive", "minor", "major", "critical"]
Verdict = Literal["send", "revise", "block"]
SEVERITY_ORDER: dict[str, int] = {"positive": 0, "minor": 1, "major": 2, "critical": 3}

SITUATIONS: dict[str, str] = {
    "missed_deadline": "Missed deadline",
    "delay": "Delay",
    "new_risk": "New risk",
    "budget_overrun": "Budget overrun",
    "scope_change": "Scope change",
    "outage": "Outage",
    "mistake_apology": "Mistake / apology",
    "status_update": "Status update",
    "angry_client_reply": "Reply to an angry client",
    "good_news": "Good news",
}
"""What a message can be about (id -> label); the situation decides what the message owes the client."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


_Model = TypeVar("_Model", bound=BaseModel)
_DEFAULTS: dict[type[BaseModel], tuple[dict[str, Any], frozenset[str]]] = {}
_REQUIRED = object()


def trusted(cls: type[_Model], **values: Any) -> _Model:
    """`cls.model_construct(**values)` for data the engine built itself from the rubric and the text's own offsets
    (already valid): the same object, without model_construct's per-field alias lookups, which cost more than the
    rest of a finding's making. For these models only: no aliases, no post-init, no private attributes, every
    default immutable."""
    known = _DEFAULTS.get(cls)
    if known is None:
        model_fields = cls.model_fields
        assert not cls.__pydantic_post_init__ and not cls.__private_attributes__, cls
        assert all(f.alias is None and f.validation_alias is None for f in model_fields.values()), cls
        known = _DEFAULTS[cls] = (
            {
                name: _REQUIRED if field.is_required() else field.get_default(call_default_factory=True)
                for name, field in model_fields.items()
            },
            frozenset(name for name, field in model_fields.items() if field.is_required()),
        )
    defaults, required = known
    if not required <= values.keys():  # a required field left out is a KeyError, not a half-built model
        raise KeyError(", ".join(sorted(required - values.keys())))
    fields = {**defaults, **values}  # in the model's field order, the given values over the defaults
    if len(fields) != len(defaults):  # a name the model does not have is left out
        fields = {name: fields[name] for name in defaults}
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", fields)
    object.__setattr__(model, "__pydantic_fields_set__", set(values))
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


class Message(_Frozen):
    """A draft to review, with optional context that changes what is expected of it."""

    text: str
    situation: str | None = None
    """What the message is about (missed_deadline, outage, ...); None lets the engine infer it."""
    client: str | None = None
    """The client's name, so a rewrite can address them; never invented when absent."""
    source: str | None = None
    """Where the text came from (a path, "-", an archive id), for reports."""
    ignore: tuple[str, ...] = ()
    """Rule ids, families or `missing-<id>` not to flag (`candor: ignore`, config `ignore`; `reviewer.suppress`)."""
    allow: tuple[str, ...] = ()
    """Phrases not to flag (config `allow_phrases`)."""
    notes: tuple[str, ...] = ()
    """What reading left out of the text (a quoted thread, a signature); the review repeats them in its `notes`."""


class Evidence(_Frozen):
    """A quoted stretch of the reviewed text that supports a score."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str


class Finding(_Frozen):
    """One phrase that helps or hurts, located exactly in the text."""

    rule: str
    """Stable rule id, e.g. "blame-vendor"; the family is the part before the first dash."""
    dimension: str
    severity: Severity
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str
    message: str
    replacement: str | None = None
    """Text to put in place of the quote, when a mechanical fix makes sense."""

    @property
    def family(self) -> str:
        return self.rule.split("-", 1)[0]


class Missing(_Frozen):
    """Something the message owes the client and does not contain (no new date, no owner, ...)."""

    id: str
    dimension: str
    severity: Severity
    message: str
    placement: Literal["opening", "next_steps"] = "next_steps"
    placeholder: str | None = None
    """The line a scaffold rewrite adds for it, with [brackets] where only the writer knows the answer."""


class DimensionScore(_Frozen):
    id: str
    title: str
    score: int = Field(ge=1, le=5)
    rationale: str
    evidence: tuple[Evidence, ...] = ()


class ChangedFact(_Frozen):
    """A fact (date, amount, name, link...) that a rewrite dropped, changed or invented."""

    kind: str
    change: Literal["dropped", "added"]
    value: str


class UnappliedFix(_Frozen):
    """A fix the review lists that the rewrite did not make, and why (the writer's to make)."""

    rule: str
    quote: str
    reason: str


class Rewrite(_Frozen):
    text: str
    source: Literal["scaffold", "model"]
    changed_facts: tuple[ChangedFact, ...] = ()
    unapplied: tuple[UnappliedFix, ...] = ()
    """Fixes listed in the review that this rewrite leaves to the writer, each with the reason."""
    dimensions: tuple[DimensionScore, ...] | None = None
    """The rewrite's own scores, from the same engine as the draft's (None when it was not re-reviewed)."""
    overall: float | None = Field(default=None, ge=1, le=5)
    verdict: Verdict | None = None
    dropped_edits: tuple[str, ...] = ()
    """Edits left out because they would have lowered a score (one line each)."""
    scored_by: str | None = None
    """The engine that scored the rewrite when it is not the draft's: a model's rewrite is checked offline by
    `rules`, which then scores the draft too (`draft_dimensions`, `draft_overall`), so the two compare like for like."""
    draft_dimensions: tuple[DimensionScore, ...] | None = None
    draft_overall: float | None = Field(default=None, ge=1, le=5)
    filled_overall: float | None = Field(default=None, ge=1, le=5)
    """A projection: the rewrite's overall score had its writer filled every blank it left with a plain sample value
    ("Friday at 10:00", "Priya Shah"), by the same scorer; None when it leaves no blank or was not re-reviewed.
    `overall` stays the score of the rewrite as it stands: blanks are never credited there."""
    filled_verdict: Verdict | None = None

    def baseline(self, review: Review) -> tuple[tuple[DimensionScore, ...], float]:
        """The draft's scores to compare this rewrite's with: from the same scorer as the rewrite's."""
        if self.draft_dimensions is not None and self.draft_overall is not None:
            return self.draft_dimensions, self.draft_overall
        return review.dimensions, review.overall


class Redacted(_Frozen):
    """A stretch of the reviewed text the model never saw: it was sent as `placeholder` and mapped back after."""

    kind: Literal["email", "url", "phone", "amount", "account", "invoice", "reference", "client", "name"]
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    placeholder: str


class Usage(_Frozen):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    cached: bool = False
    cost_usd: float | None = None


class RubricRef(_Frozen):
    name: str
    hash: str
    dimensions: tuple[str, ...]


class Review(_Frozen):
    """The result of reviewing one message; identical in shape for every engine."""

    schema_id: str = Field(default=SCHEMA_ID, alias="schema")
    engine: str
    rubric: RubricRef
    text: str
    situation: str | None = None
    overall: float = Field(ge=1, le=5)
    verdict: Verdict
    dimensions: tuple[DimensionScore, ...]
    findings: tuple[Finding, ...] = ()
    missing: tuple[Missing, ...] = ()
    suggestions: tuple[str, ...] = ()
    rewrite: Rewrite | None = None
    usage: Usage = Usage()
    notes: tuple[str, ...] = ()
    """Things the user should know about how the review was made (trimmed thread, dropped quotes, fallback)."""
    redactions: tuple[Redacted, ...] = ()
    """What was redacted before the draft reached a model (offsets into `text`); empty when nothing was."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def score(self, dimension: str) -> int:
        for dim in self.dimensions:
            if dim.id == dimension:
                return dim.score
        raise KeyError(dimension)

    @property
    def problems(self) -> tuple[Finding, ...]:
        """Findings that hurt, worst first, then in text order."""
        hurt = [f for f in self.findings if f.severity != "positive"]
        return tuple(sorted(hurt, key=lambda f: (-SEVERITY_ORDER[f.severity], f.start)))

    def to_json(self, *, indent: int | None = 2) -> str:
        return self.model_dump_json(by_alias=True, indent=indent)

    @classmethod
    def from_json(cls, data: str | bytes) -> Review:
        return cls.model_validate_json(data)


def review_json_schema() -> dict[str, object]:
    """The JSON Schema of the review document, generated from the classes above."""
    schema = Review.model_json_schema(by_alias=True, mode="serialization")
    schema["$id"] = "https://candor.invalid/schema/" + SCHEMA_ID
    schema["title"] = "Candor review (" + SCHEMA_ID + ")"
    return schema
