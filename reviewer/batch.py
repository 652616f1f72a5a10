"""Batch review as a pure function over records: `review_records(records, settings) -> results`.

A record is a plain mapping (what a JSONL line, a CSV row, a Ray Data or pandas batch row holds): `text`, and
optionally `key`, `id`, `source`, `date`, `author`, `recipients`, `client`, `subject`, `situation`. A result is a
plain, JSON-ready dict in the `candor.batch/1` shape (README: "Batch review"): one per record, in order, either
`status: "reviewed"` with the verdict, the overall score, each dimension's score, the findings and missing elements,
or `status: "failed"` with the reason, so one bad record never stops the others.

Nothing here reads or writes files: `candor batch` (the `batch` package) streams sources into it on every core, a
Ray Data `map_batches` calls it on a cluster, and both give equal results for equal records. The text is stripped
and limited exactly as `candor check` does (`reviewer.sources.message_from_text`), so a message read from a folder,
an mbox, a JSONL or a CSV file gets the same review.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from reviewer.config import Settings
from reviewer.errors import CandorError, exit_code_for
from reviewer.models import Review
from reviewer.service import Reviewer
from reviewer.sources import STDIN_NAME, ReadOptions, Refused, SourceMessage, message_from_text

BATCH_SCHEMA = "candor.batch/1"
"""The version of the result shape (and of the SQLite schema that holds it); bumped on any incompatible change."""

Record = Mapping[str, Any]
Result = dict[str, Any]

_REVIEWERS: dict[tuple[str, bool], Reviewer] = {}


_BUILDING = threading.Lock()
_LAST: tuple[Settings, bool, Reviewer] | None = None
"""The settings object last asked for, with its reviewer: a worker reviews every record under one settings object,
so it is found by identity instead of by the `repr` of every setting, once a record."""


def _reviewer(settings: Settings, rewrite: bool = False) -> Reviewer:
    """One `Reviewer` per settings and process, shared by its threads: the rubric is loaded and the engine (with
    its HTTP client) built once, not once per record or per thread.

    The rules engine leaves out its scaffold rewrite unless `rewrite` is asked: judging past messages does not
    need it, it never changes the draft's judgement, and it is re-reviewed, which costs one to several reviews more.
    """
    global _LAST
    last = _LAST
    if last is not None and last[0] is settings and last[1] == rewrite:
        return last[2]
    key = (repr(settings), rewrite)
    reviewer = _REVIEWERS.get(key)
    if reviewer is None:
        with _BUILDING:
            reviewer = _REVIEWERS.get(key)
            if reviewer is None:
                if settings.engine == "rules":
                    from reviewer.engines.rules import RulesEngine, warm

                    # Results hold scores, never rationales: what moved each score is not worked out.
                    engine = RulesEngine(settings.gate, rewrite=rewrite, explain=False)
                    reviewer = Reviewer(settings, engine=engine)
                    warm(reviewer.rubric)  # before `candor batch` forks its workers: they inherit it compiled
                else:
                    reviewer = Reviewer(settings)
                    # Loaded lazily on a first call otherwise; concurrent first calls would each load it.
                    from reviewer.tokens import token_counter

                    token_counter()
                _REVIEWERS[key] = reviewer
    _LAST = (settings, rewrite, reviewer)
    return reviewer


def prepare(settings: Settings, *, rewrite: bool = False) -> Reviewer:
    """Build (once) the reviewer `review_records` uses under these settings: call it before starting threads or
    forking worker processes, which then inherit it ready."""
    return _reviewer(settings, rewrite)


def content_key(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:32]


def record_from_item(item: SourceMessage) -> dict[str, Any]:
    """The record of one message read by `reviewer.sources`: its stable key and id, its text and metadata.

    The key (what a resumed batch skips by) is where it came from (a path, `file#n` in a container); stdin has no
    place, so its key is a hash of its content. The id is the source's own (Message-ID, id column), else the key.
    """
    key = item.where if item.where != STDIN_NAME else f"{STDIN_NAME}#{content_key(item.raw)}"
    return {
        "key": key,
        "id": item.id or key,
        "source": item.where,
        "date": item.date,
        "author": item.author,
        "recipients": list(item.recipients),
        "client": item.message.client,
        "subject": item.subject,
        "situation": item.message.situation,
        "text": item.message.text,
    }


def _identity(record: Record) -> dict[str, Any]:
    text = record.get("text")
    key = record.get("key") or record.get("id") or content_key(str(text).encode("utf-8", "surrogatepass"))
    return {"key": str(key), "id": str(record.get("id") or key), "source": record.get("source") or str(key)}


def failed_result(record: Record, error: BaseException, *, stage: str) -> Result:
    """The result of a record that could not be read (`stage="read"`) or reviewed (`stage="review"`)."""
    reason = str(error) if isinstance(error, CandorError) else f"{type(error).__name__}: {error}"
    return {
        "schema": BATCH_SCHEMA,
        "status": "failed",
        **_identity(record),
        "stage": stage,
        "error": reason,
        "exit_code": int(exit_code_for(error)),
    }


def refused_result(refused: Refused) -> Result:
    """The result of a source `reviewer.sources` refused (unreadable, empty, not UTF-8, a bad JSONL line...)."""
    key = refused.where if refused.where != STDIN_NAME else f"{STDIN_NAME}#{content_key(refused.raw or b'')}"
    return failed_result({"key": key, "id": refused.id, "source": refused.where}, refused.error, stage="read")


def reviewed_result(record: Record, review: Review, *, rewrite: bool = False) -> Result:
    """The result of one reviewed record: what a report, a spreadsheet or a query needs, flat where it can be.
    With `rewrite`, also the suggested rewrite (its text, overall score and verdict; null when there is none)."""
    result: Result = {
        "schema": BATCH_SCHEMA,
        "status": "reviewed",
        **_identity(record),
        "date": record.get("date"),
        "author": record.get("author"),
        "recipients": list(record.get("recipients") or ()),
        "client": record.get("client"),
        "subject": record.get("subject"),
        "situation": review.situation,
        "engine": review.engine,
        "rubric": review.rubric.hash,
        "verdict": review.verdict,
        "overall": review.overall,
        "scores": {d.id: d.score for d in review.dimensions},
        "findings": [
            {
                "rule": f.rule,
                "dimension": f.dimension,
                "severity": f.severity,
                "start": f.start,
                "end": f.end,
                "quote": f.quote,
                "message": f.message,
            }
            for f in review.findings
        ],
        "missing": [
            {"id": m.id, "dimension": m.dimension, "severity": m.severity, "message": m.message} for m in review.missing
        ],
        "text": review.text,
        "cached": review.usage.cached,
        "prompt_tokens": review.usage.prompt_tokens,
        "completion_tokens": review.usage.completion_tokens,
        "cost_usd": review.usage.cost_usd,
    }
    if rewrite:
        better = review.rewrite
        result["rewrite"] = (
            None if better is None else {"text": better.text, "overall": better.overall, "verdict": better.verdict}
        )
    return result


def review_record(record: Record, settings: Settings, *, rewrite: bool = False) -> Result:
    """Review one record; any failure becomes its failed result, never an exception."""
    reviewer = _reviewer(settings, rewrite)
    text = record.get("text")
    if not isinstance(text, str):
        from reviewer.errors import InputError

        return failed_result(record, InputError(f"{_identity(record)['source']}: no text to review"), stage="read")
    options = ReadOptions.from_settings(
        settings, situation=record.get("situation") or None, client=record.get("client") or None
    )
    item = message_from_text(text, _identity(record)["source"], options)
    if isinstance(item, Refused):
        return failed_result(record, item.error, stage="read")
    try:
        review = reviewer.review(item.message)
    except Exception as err:  # noqa: BLE001 - one record's failure is recorded; the batch goes on
        return failed_result(record, err, stage="review")
    return reviewed_result(record, review, rewrite=rewrite)


def review_records(records: Iterable[Record], settings: Settings, *, rewrite: bool = False) -> list[Result]:
    """Review every record under `settings`; one result per record, in order (reviewed or failed). With
    `rewrite`, each result also holds the suggested rewrite (see `reviewed_result`)."""
    return [review_record(record, settings, rewrite=rewrite) for record in records]
