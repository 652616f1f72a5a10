"""`candor lsp` driven over real stdio with real LSP messages: initialize, didOpen, didChange, publishDiagnostics,
codeAction and executeCommand, with positions in UTF-16 code units across emoji and accented text."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hooks_support import CANDOR, GOOD, POOR_QUOTE, hook_env
from lsp_client import LspClient

from reviewer.service import Reviewer
from tests.llm.llm_support import DRAFT, MODEL, Reply, ScriptedServer, reply_json

URI = "file:///work/updates/launch.md"
LINE = "Zoë 👋 — the launch slipped because your team failed to send the files on time. We'll get to it ASAP."
DRAFT_WITH_EMOJI = f"Hi Zoë,\n\n{LINE}\n\n> On Monday Zoë wrote:\n> where is it? 😡\n"


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def at(text: str, position: dict[str, int]) -> int:
    """A character offset from an LSP position counted in UTF-16 code units (computed here, not by pygls)."""
    lines = text.split("\n")
    line = lines[position["line"]]
    units = 0
    for index, char in enumerate(line):
        if units >= position["character"]:
            return sum(len(x) + 1 for x in lines[: position["line"]]) + index
        units += utf16(char)
    return sum(len(x) + 1 for x in lines[: position["line"]]) + len(line)


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    for edit in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]))[::-1]:
        start, end = at(text, edit["range"]["start"]), at(text, edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


@pytest.fixture
def client(tmp_path: Path) -> Iterator[LspClient]:
    lsp = LspClient(hook_env(tmp_path))
    yield lsp
    lsp.close()


def open_document(client: LspClient, text: str, *, uri: str = URI, language: str = "markdown") -> list[dict]:
    client.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}
    )
    return client.diagnostics(uri, version=1)


def by_code(diagnostics: list[dict], code: str) -> dict:
    return next(d for d in diagnostics if d["code"] == code)


def test_initialize_declares_what_the_server_does(client: LspClient) -> None:
    capabilities = client.initialize()["capabilities"]
    assert capabilities["positionEncoding"] == "utf-16"
    assert capabilities["executeCommandProvider"]["commands"] == ["candor.deepReview"]
    assert set(capabilities["codeActionProvider"]["codeActionKinds"]) == {"quickfix", "source"}
    assert capabilities["textDocumentSync"]["change"] == 2  # incremental


def test_diagnostics_have_exact_utf16_ranges_across_emoji_and_accents(client: LspClient) -> None:
    client.initialize()
    diagnostics = open_document(client, DRAFT_WITH_EMOJI)
    blame = by_code(diagnostics, "blame-client")
    prefix = LINE[: LINE.index(POOR_QUOTE)]
    assert blame["range"]["start"] == {"line": 2, "character": utf16(prefix)}
    assert utf16(prefix) != len(prefix)  # the emoji really counts twice
    start, end = at(DRAFT_WITH_EMOJI, blame["range"]["start"]), at(DRAFT_WITH_EMOJI, blame["range"]["end"])
    flagged = DRAFT_WITH_EMOJI[start:end]
    assert flagged.startswith(POOR_QUOTE) and flagged in LINE  # the engine's phrase, located exactly
    assert blame["range"]["end"] == {"line": 2, "character": utf16(prefix) + utf16(flagged)}
    assert blame["severity"] == 1 and blame["source"] == "candor"
    assert by_code(diagnostics, "vague_timing-asap")["severity"] == 2
    verdict = by_code(diagnostics, "verdict")
    assert verdict["severity"] == 1 and "block" in verdict["message"] and "blame-client" in verdict["message"]
    assert all("😡" not in d["message"] for d in diagnostics)  # the quoted reply is not reviewed


def test_a_client_that_prefers_utf32_gets_code_point_columns(client: LspClient) -> None:
    result = client.initialize(general={"positionEncodings": ["utf-32", "utf-16"]})
    assert result["capabilities"]["positionEncoding"] == "utf-32"
    blame = by_code(open_document(client, DRAFT_WITH_EMOJI), "blame-client")
    assert blame["range"]["start"]["character"] == LINE.index(POOR_QUOTE)


def test_typing_is_reviewed_after_a_pause_and_only_the_last_version_counts(client: LspClient) -> None:
    client.initialize()
    diagnostics = open_document(client, DRAFT_WITH_EMOJI)
    blame = by_code(diagnostics, "blame-client")
    text = DRAFT_WITH_EMOJI
    # Delete the blaming phrase one keystroke at a time, as fast as the pipe takes them.
    start = blame["range"]["start"]
    deletions = utf16(POOR_QUOTE + " ")
    for version in range(2, 2 + deletions):
        change = {"range": {"start": start, "end": {"line": 2, "character": start["character"] + 1}}, "text": ""}
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": URI, "version": version}, "contentChanges": [change]},
        )
        text = apply_edits(text, [{"range": change["range"], "newText": ""}])
    last = 1 + deletions
    started = time.monotonic()
    diagnostics = client.diagnostics(URI, version=last)
    waited = time.monotonic() - started
    assert "blame-client" not in {d["code"] for d in diagnostics}
    assert POOR_QUOTE not in text and waited < 5
    # Debounced: the burst of keystrokes was not reviewed once per keystroke.
    intermediate = [m for m in client.seen if m.get("method") == "textDocument/publishDiagnostics"]
    assert len(intermediate) < deletions - 1


def test_code_actions_fix_a_phrase_and_rewrite_only_the_message(client: LspClient) -> None:
    client.initialize()
    diagnostics = open_document(client, DRAFT_WITH_EMOJI)
    blame = by_code(diagnostics, "blame-client")
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": URI}, "range": blame["range"], "context": {"diagnostics": [blame]}},
    )
    quick = next(a for a in actions if a["kind"] == "quickfix")
    fixed = apply_edits(DRAFT_WITH_EMOJI, quick["edit"]["changes"][URI])
    assert POOR_QUOTE not in fixed and "Zoë 👋 — the launch slipped" in fixed
    rewrite = next(a for a in actions if a["kind"] == "source")
    rewritten = apply_edits(DRAFT_WITH_EMOJI, rewrite["edit"]["changes"][URI])
    assert rewritten.endswith("\n\n> On Monday Zoë wrote:\n> where is it? 😡\n")  # the thread below is kept
    assert POOR_QUOTE not in rewritten and "[" in rewritten


def test_a_quick_fix_is_the_safe_fix_and_never_leaves_a_fragment(client: LspClient) -> None:
    # Deleting just the flagged words left "The launch is delayed  on time." (the meaning turned round): the quick
    # fix is the same fix as the TUI's Ctrl+F and the rewrite's, the whole clause.
    draft = (
        "Hi Dana,\n\nThe launch is delayed because your team failed to send the content on time. We will ship it "
        "ASAP. Sorry for any inconvenience.\n\nSam\n"
    )
    client.initialize()
    blame = by_code(open_document(client, draft), "blame-client")
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": URI}, "range": blame["range"], "context": {"diagnostics": [blame]}},
    )
    quick = next(a for a in actions if a["kind"] == "quickfix")
    fixed = apply_edits(draft, quick["edit"]["changes"][URI])
    assert "The launch is delayed. We will ship it ASAP." in fixed, fixed
    assert "on time" not in fixed and "  " not in fixed
    assert quick["title"] == "Candor: delete “because your team failed to send the content on time”"


def test_a_mail_buffer_is_reviewed_below_its_headers(client: LspClient) -> None:
    client.initialize()
    mail = "From: sam@example.com\nTo: zoe@example.com\nSubject: Your team failed\n\n" + DRAFT_WITH_EMOJI
    blame = by_code(open_document(client, mail, uri="file:///tmp/mutt-draft", language="mail"), "blame-client")
    assert blame["range"]["start"]["line"] == 6
    assert mail[at(mail, blame["range"]["start"]) : at(mail, blame["range"]["end"])].startswith(POOR_QUOTE)


def test_a_good_draft_still_gets_its_verdict(client: LspClient) -> None:
    client.initialize()
    diagnostics = open_document(client, GOOD)
    verdict = by_code(diagnostics, "verdict")
    assert "passes the gate" in verdict["message"] and verdict["severity"] in (2, 3)
    assert not any(d["severity"] == 1 for d in diagnostics)


def test_deep_review_without_a_model_says_how_to_set_one_up(client: LspClient) -> None:
    client.initialize()
    open_document(client, DRAFT_WITH_EMOJI)
    assert client.request("workspace/executeCommand", {"command": "candor.deepReview", "arguments": [URI]}) == {
        "started": True
    }
    shown = client.wait(lambda m: m.get("method") == "window/showMessage")
    assert shown["params"]["type"] == 1 and "CANDOR_MODEL" in shown["params"]["message"]
    unknown = client.request("workspace/executeCommand", {"command": "candor.deepReview", "arguments": ["x:/no"]})
    assert unknown["started"] is False


@pytest.fixture
def model_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.close()


def test_deep_review_runs_in_the_background_while_typing_goes_on(tmp_path: Path, model_server: ScriptedServer) -> None:
    rubric = Reviewer().rubric
    model_server.default = Reply(reply_json(rubric), delay=2.0)
    env = hook_env(tmp_path) | {"CANDOR_BASE_URL": model_server.base_url, "CANDOR_MODEL": MODEL}
    client = LspClient(env)
    try:
        client.initialize()
        uri = "file:///tmp/dashboard.txt"
        open_document(client, DRAFT, uri=uri, language="plaintext")
        assert client.request("workspace/executeCommand", {"command": "candor.deepReview", "arguments": [uri]})[
            "started"
        ]
        # While the model takes its time, an edit is reviewed: its diagnostics come before the deep review ends.
        change = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "X"}
        client.notify(
            "textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [change]}
        )
        first = client.wait(
            lambda m: (
                m.get("method") == "window/showMessage"
                or (m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == 2)
            )
        )
        assert first["method"] == "textDocument/publishDiagnostics"
        changed = client.wait(lambda m: m.get("method") == "window/showMessage", timeout=30)
        assert "changed meanwhile" in changed["params"]["message"]

        # Unchanged text: the model's review is published and its verdict shown.
        undo = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "text": ""}
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [undo]})
        client.diagnostics(uri, version=3)
        client.request("workspace/executeCommand", {"command": "candor.deepReview", "arguments": [uri]})
        shown = client.wait(lambda m: m.get("method") == "window/showMessage", timeout=30)
        assert f"rules+llm:{MODEL}" in shown["params"]["message"]
        deep = client.diagnostics(uri, version=3, timeout=5)
        assert any(d["code"] == "verdict" for d in deep) and model_server.requests
    finally:
        client.close()


def test_a_bad_config_stops_the_server_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "candor.toml"
    bad.write_text("engine = 3\n")
    done = subprocess.run(
        [CANDOR, "lsp", "--config", str(bad)], env=hook_env(tmp_path), capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "engine" in done.stderr
