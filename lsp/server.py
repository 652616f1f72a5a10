"""`candor lsp`: a Language Server that reviews plain text, Markdown and mail buffers as the user types.

- Diagnostics: the rules review (offline, a few milliseconds) of the buffer, published a moment after typing pauses
  (`debounce_ms`, default 60), each finding at its exact range; one `verdict` diagnostic at the top of the message
  says what the gate decided and what is missing. Positions are in the encoding the client and server agreed
  (UTF-16 unless the client offers another), so emoji and accented text land where they should.
- Code actions: every finding with a replacement is a quick fix; the scaffold rewrite is a whole-message action
  that replaces the message (not the quoted thread below it, not a mail's headers).
- `workspace/executeCommand` `candor.deepReview` [uri]: the configured LLM review (rules+llm unless the engine is
  set to llm) in a worker thread, so typing is never blocked; its findings are published and its verdict shown
  with `window/showMessage` when it is done. A failure is one message, and the live diagnostics stay.

The buffer is read exactly as `candor check` reads a file (`reviewer.sources`): quoted replies and signatures are
left out, suppressions apply, limits are the same. A buffer that cannot be reviewed (too long, binary) gets one
information diagnostic saying why; an empty one gets none.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from reviewer.config import Settings
from reviewer.errors import CandorError
from reviewer.hook import ExitPolicy
from reviewer.inputs import looks_like_email
from reviewer.models import Finding, Review
from reviewer.report import Judged, SourceMap, decision, judge
from reviewer.rewrite import preview_fix
from reviewer.rubric import Lexicon
from reviewer.service import Reviewer
from reviewer.sources import ReadOptions, Refused, message_from_bytes
from reviewer.text import clip
from reviewer.version import __version__

DEEP_REVIEW = "candor.deepReview"
SOURCE = "candor"
MAIL_LANGUAGES = frozenset({"mail", "email", "eml"})
DEFAULT_DEBOUNCE_MS = 60


@dataclass
class Reviewed:
    """The latest review of one buffer version, with each finding placed in the buffer (character offsets)."""

    version: int | None
    review: Review
    judged: Judged
    placed: list[tuple[Finding, int, int]]
    body: tuple[int, int] | None
    """Where the reviewed message lies in the buffer (for the whole-message rewrite); None if it cannot be told."""
    where: SourceMap | None = None
    """Maps offsets in the reviewed text to the buffer (where a quick fix's edit goes)."""


@dataclass
class State:
    settings: Settings
    live: Reviewer
    debounce: float = DEFAULT_DEBOUNCE_MS / 1000
    pending: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    reviewed: dict[str, Reviewed] = field(default_factory=dict)
    deep: dict[str, asyncio.Task[None]] = field(default_factory=dict)


def is_mail(document: TextDocument) -> bool:
    return (
        (document.language_id or "").lower() in MAIL_LANGUAGES
        or document.uri.lower().endswith(".eml")
        or looks_like_email(document.source.encode("utf-8", "replace"))
    )


def _blank_headers(text: str) -> tuple[str, int]:
    """The buffer with a mail's header block turned into spaces (same length, so offsets hold), and where the
    body starts."""
    match = re.search(r"\r?\n\r?\n", text)
    if match is None:
        return text, 0
    head = re.sub(r"[^\r\n]", " ", text[: match.end()])
    return head + text[match.end() :], match.end()


def _place(quote: str, guess: int | None, buffer: str, floor: int) -> tuple[int, int] | None:
    """Where a finding's quote is in the buffer: at the mapped offset if it is there, else its first occurrence
    after the mail's headers; None if the buffer does not hold it (then it is not shown rather than misplaced)."""
    variants = (quote, quote.replace("\n", "\r\n"))
    for candidate in variants:
        if guess is not None and buffer.startswith(candidate, guess):
            return guess, guess + len(candidate)
    for candidate in variants:
        found = buffer.find(candidate, floor)
        if found >= 0:
            return found, found + len(candidate)
    return None


def review_buffer(reviewer: Reviewer, document: TextDocument) -> Reviewed | Refused:
    """Review a buffer's text as `candor check` would read it, and place what it finds in the buffer."""
    text = document.source
    mail = is_mail(document)
    options = ReadOptions.from_settings(reviewer.settings)
    item = message_from_bytes(text.encode("utf-8"), document.uri, options, suffix=".eml" if mail else ".md")
    if isinstance(item, Refused):
        return item
    review = reviewer.review(item.message)
    searchable, body_start = _blank_headers(text) if mail else (text, 0)
    where = SourceMap(review.text, searchable)
    placed: list[tuple[Finding, int, int]] = []
    for finding in review.problems:
        span = _place(finding.quote, where.source_offset(finding.start), text, body_start)
        if span is not None:
            placed.append((finding, *span))
    body = _body_range(review.text, where, text)
    policy = ExitPolicy.from_settings(reviewer.settings)
    judged = judge(document.uri, review, reviewer.settings.gate, policy)
    return Reviewed(document.version, review, judged, placed, body, where)


def _body_range(reviewed: str, where: SourceMap, buffer: str) -> tuple[int, int] | None:
    first = where.source_offset(0)
    last_line = reviewed.rsplit("\n", 1)[-1]
    end_of_last = where.source_offset(len(reviewed) - len(last_line))
    if first is None or end_of_last is None or not buffer.startswith(last_line, end_of_last):
        return None
    if not buffer.startswith(reviewed.split("\n", 1)[0], first):
        return None
    return first, end_of_last + len(last_line)


def _quick_fix(
    result: Reviewed, finding: Finding, buffer: str, lexicon: Lexicon
) -> tuple[str, tuple[int, int, str]] | None:
    """The finding's safe fix as an edit of the buffer: the same fix as the TUI's Ctrl+F and the CLI's "→"
    (`rewrite.preview_fix`), so a quick fix never leaves a fragment ("The launch is delayed  on time.") or deletes
    a fact. None when there is no safe fix, or its place in the buffer cannot be told for sure."""
    preview = preview_fix(result.review.text, finding, lexicon)
    if preview is None or result.where is None:
        return None
    start, end = result.where.source_offset(preview.start), result.where.source_offset(preview.end)
    old = result.review.text[preview.start : preview.end]
    if start is None or end is None or buffer[start:end] != old:
        return None  # a CRLF buffer or a line the map could not place: no edit rather than a wrong one
    if not preview.inserted:
        return f"Candor: delete “{clip(preview.removed, 70)}”", (start, end, preview.new)
    return f"Candor: replace “{preview.removed}” with “{preview.inserted}”", (start, end, preview.new)


def _range(document: TextDocument, start: int, end: int) -> types.Range:
    return types.Range(start=document.client_position_at_offset(start), end=document.client_position_at_offset(end))


def _severity(finding: Finding, settings: Settings) -> types.DiagnosticSeverity:
    if finding.severity in settings.gate.block_on:
        return types.DiagnosticSeverity.Error
    if finding.severity in ("major", "critical"):
        return types.DiagnosticSeverity.Warning
    return types.DiagnosticSeverity.Information


def diagnostics_for(document: TextDocument, result: Reviewed | Refused, settings: Settings) -> list[types.Diagnostic]:
    if isinstance(result, Refused):
        if not document.source.strip():
            return []
        zero = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
        return [
            types.Diagnostic(
                range=zero,
                message=f"Not reviewed: {result.error}",
                severity=types.DiagnosticSeverity.Information,
                source=SOURCE,
                code="not-reviewed",
            )
        ]
    out = [
        types.Diagnostic(
            range=_range(document, start, end),
            message=finding.message,
            severity=_severity(finding, settings),
            source=SOURCE,
            code=finding.rule,
            data={"replacement": finding.replacement, "quote": finding.quote},
        )
        for finding, start, end in result.placed
    ]
    review = result.review
    where = result.body[0] if result.body else 0
    line_end = document.source.find("\n", where)
    line_end = len(document.source) if line_end < 0 else line_end
    line_end -= document.source.endswith("\r", 0, line_end)
    if result.judged.passed:
        level = types.DiagnosticSeverity.Warning if review.verdict == "revise" else types.DiagnosticSeverity.Information
    else:
        level = types.DiagnosticSeverity.Error
    summary = decision(result.judged)
    missing = "; ".join(m.message for m in review.missing)
    notes = " ".join(review.notes)
    message = "Candor: " + summary + (f". Missing: {missing}" if missing else "") + (f" ({notes})" if notes else "")
    out.append(
        types.Diagnostic(
            range=_range(document, where, max(where, line_end)),
            message=message,
            severity=level,
            source=SOURCE,
            code="verdict",
        )
    )
    return out


def build_server(settings: Settings) -> LanguageServer:
    """A server whose live reviews use the rules engine, and whose deep review uses the configured model."""
    server = LanguageServer("candor", __version__)
    state = State(settings=settings, live=Reviewer(settings.replace(engine="rules")))

    def publish(document: TextDocument, result: Reviewed | Refused) -> None:
        if isinstance(result, Reviewed):
            state.reviewed[document.uri] = result
        else:
            state.reviewed.pop(document.uri, None)
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=document.uri, version=document.version, diagnostics=diagnostics_for(document, result, settings)
            )
        )

    def review_now(uri: str) -> None:
        document = server.workspace.get_text_document(uri)
        try:
            result = review_buffer(state.live, document)
        except CandorError as err:
            server.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=str(err)))
            return
        publish(document, result)

    async def review_later(uri: str) -> None:
        await asyncio.sleep(state.debounce)
        review_now(uri)

    def schedule(uri: str) -> None:
        if (task := state.pending.pop(uri, None)) is not None:
            task.cancel()
        state.pending[uri] = asyncio.get_running_loop().create_task(review_later(uri))

    @server.feature(types.INITIALIZE)
    def initialize(ls: LanguageServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("debounce_ms"), int | float):
            state.debounce = max(0.0, float(options["debounce_ms"]) / 1000)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        review_now(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        review_now(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        for tasks in (state.pending, state.deep):
            if (task := tasks.pop(uri, None)) is not None:
                task.cancel()
        state.reviewed.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.Source]),
    )
    def code_action(ls: LanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        result = state.reviewed.get(uri)
        document = ls.workspace.get_text_document(uri)
        if result is None or result.version != document.version:
            return []
        wanted = (document.offset_at_position(params.range.start), document.offset_at_position(params.range.end))
        actions = []
        for finding, start, end in result.placed:
            if start > wanted[1] or end < wanted[0]:
                continue
            fix = _quick_fix(result, finding, document.source, state.live.rubric.lexicon)
            if fix is None:
                continue
            title, (fix_start, fix_end, new_text) = fix
            edit = types.TextEdit(range=_range(document, fix_start, fix_end), new_text=new_text)
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.QuickFix,
                    edit=types.WorkspaceEdit(changes={uri: [edit]}),
                    is_preferred=True,
                )
            )
        rewrite = result.review.rewrite
        if rewrite is not None and result.body is not None:
            text = rewrite.text.replace("\n", "\r\n") if "\r\n" in document.source else rewrite.text
            edit = types.TextEdit(range=_range(document, *result.body), new_text=text)
            actions.append(
                types.CodeAction(
                    title="Candor: replace the message with the suggested rewrite (fill in the [brackets])",
                    kind=types.CodeActionKind.Source,
                    edit=types.WorkspaceEdit(changes={uri: [edit]}),
                )
            )
        return actions

    @server.command(DEEP_REVIEW)
    async def deep_review(ls: LanguageServer, *arguments: Any) -> dict[str, Any]:
        uri = _uri_argument(arguments)
        if uri is None or uri not in ls.workspace.text_documents:
            return {"started": False, "error": "give the URI of an open document"}
        document = ls.workspace.get_text_document(uri)
        if (task := state.deep.pop(uri, None)) is not None:
            task.cancel()
        state.deep[uri] = asyncio.get_running_loop().create_task(_deep(ls, document, document.version))
        return {"started": True}

    async def _deep(ls: LanguageServer, document: TextDocument, version: int | None) -> None:
        engine = state.settings.engine if state.settings.engine != "rules" else "rules+llm"
        loop = asyncio.get_running_loop()
        try:
            reviewer = await loop.run_in_executor(None, lambda: Reviewer(state.settings.replace(engine=engine)))
            result = await loop.run_in_executor(None, review_buffer, reviewer, document)
        except asyncio.CancelledError:
            raise
        except Exception as err:  # noqa: BLE001 - a failed deep review is one message; the live diagnostics stay
            detail = str(err) if isinstance(err, CandorError) else f"internal error: {type(err).__name__}: {err}"
            ls.window_show_message(
                types.ShowMessageParams(type=types.MessageType.Error, message=f"Candor deep review: {detail}")
            )
            return
        current = ls.workspace.get_text_document(document.uri)
        if current.version != version:
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Info, message="Candor deep review: the text changed meanwhile; run it again"
                )
            )
            return
        publish(current, result)
        if isinstance(result, Reviewed):
            message = f"Candor deep review: {decision(result.judged)}"
        else:
            message = f"Candor deep review: not reviewed: {result.error}"
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=message))

    return server


def _uri_argument(arguments: tuple[Any, ...]) -> str | None:
    values = list(arguments)
    while len(values) == 1 and isinstance(values[0], list | tuple):
        values = list(values[0])
    first = values[0] if values else None
    if isinstance(first, dict):
        first = first.get("uri")
    return first if isinstance(first, str) else None
