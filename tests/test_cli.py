"""`candor check`: formats, inputs, and the exit-code contract (0 send/revise, 1 blocked, 2 usage or input)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from reviewer.cli import main
from reviewer.errors import ExitCode
from tests.conftest import ROOT
from tests.drafts import BLAMING, GOOD, MESSAGES


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_good_draft_exits_0_with_text_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(write(tmp_path, "good.txt", GOOD))]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "SEND" in out and "Accountability" in out
    assert "\x1b[" not in out  # not a TTY: no colour


def test_blaming_draft_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(write(tmp_path, "bad.txt", BLAMING))]) == ExitCode.BLOCKED
    assert "BLOCK" in capsys.readouterr().out


def test_fail_on_revise(tmp_path: Path) -> None:
    draft = write(tmp_path, "meh.txt", "Hi Ana, the report is late. We will send it soon.")
    assert main(["check", str(draft), "--format", "json"]) == ExitCode.OK
    assert main(["check", str(draft), "--format", "json", "--fail-on", "revise"]) == ExitCode.BLOCKED


def test_json_output_matches_the_checked_in_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", str(write(tmp_path, "bad.txt", BLAMING)), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    schema = json.loads((ROOT / "reviewer/review.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    assert document["schema"] == "candor.review/1"
    assert document["verdict"] == "block"
    assert [d["id"] for d in document["dimensions"]] == [
        "transparency",
        "empathy",
        "accountability",
        "solutions",
        "limited_excuses",
    ]
    finding = next(f for f in document["findings"] if f["rule"] == "blame-client")
    assert document["text"][finding["start"] : finding["end"]] == finding["quote"]


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GOOD.encode())))
    assert main(["check", "-", "--format", "json"]) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["text"] == GOOD


def test_html_email_is_turned_into_text_without_the_quoted_thread(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(MESSAGES / "html_reply.eml"), "--format", "json"]) == ExitCode.OK
    document = json.loads(capsys.readouterr().out)
    text = document["text"]
    assert "we missed the 7 June date" in text and "- New date: Friday 14 June" in text
    assert "Where is the dashboard" not in text and "color: red" not in text and "&#39;" not in text
    # "ASAP" is only in the quoted thread, so it must not be flagged.
    assert not any(f["rule"].startswith("vague_timing") for f in document["findings"])


def test_plain_text_reply_drops_signature_and_quote(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", str(MESSAGES / "plain_reply.txt"), "--format", "json"])
    text = json.loads(capsys.readouterr().out)["text"]
    assert text.endswith("Tom") and "Stop making excuses" not in text and "+44" not in text


def test_declared_charset_of_an_email_is_honoured(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(MESSAGES / "latin1.eml"), "--format", "json"]) == ExitCode.OK
    assert "René" in json.loads(capsys.readouterr().out)["text"]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.txt", b"", "empty input"),
        ("blank.txt", b"  \n\n  ", "empty input"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "looks binary"),
        ("latin1.txt", "Hi Ren\xe9, sorry.".encode("latin-1"), "not valid UTF-8"),
        ("only_quote.txt", b"> previous message\n> more", "no message text left"),
        ("huge.txt", b"word " * 20_000, "over the 50,000 limit"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, expected: str
) -> None:
    assert main(["check", str(write(tmp_path, name, data))]) == ExitCode.USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in captured.err


def test_missing_file_directory_and_oversize_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nope.txt")]) == ExitCode.USAGE
    assert "no such file" in capsys.readouterr().err
    assert main(["check", str(tmp_path)]) == ExitCode.USAGE
    assert "is a directory" in capsys.readouterr().err
    big = write(tmp_path, "big.eml", b"x" * 2_000_001)
    assert main(["check", str(big)]) == ExitCode.USAGE
    assert "over the 2,000,000-byte limit" in capsys.readouterr().err


def test_explicit_encoding_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = write(tmp_path, "latin1.txt", "Hi Ren\xe9, the report is late. Sorry. It ships on 4 May.".encode("latin-1"))
    assert main(["check", str(draft), "--encoding", "latin-1", "--format", "json"]) in (ExitCode.OK, ExitCode.BLOCKED)
    assert "René" in json.loads(capsys.readouterr().out)["text"]


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "yaml", "x.txt"]) == ExitCode.USAGE
    assert main(["check", "--engine", "nonsense", str(MESSAGES / "plain_reply.txt")]) == ExitCode.USAGE
    assert "unknown engine 'nonsense'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [["check", "x.txt", "--situation", "nonsense"], ["check", "--format", "yaml", "x.txt"], ["bogus"], ["batch"]],
)
def test_a_usage_error_is_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error:" in err and "--help" in err and "usage:" not in err


def test_schema_command_prints_the_checked_in_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == ExitCode.OK
    generated = json.loads(capsys.readouterr().out)
    checked_in = json.loads((ROOT / "reviewer/review.schema.json").read_text(encoding="utf-8"))
    assert generated == checked_in, "schema drifted: run `candor schema --write reviewer/review.schema.json`"


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("candor")
    draft = write(tmp_path, "bad.txt", BLAMING)
    result = subprocess.run(
        [str(script), "check", str(draft), "--format", "json"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["verdict"] == "block"
    piped = subprocess.run([str(script), "check", "-"], input=GOOD, capture_output=True, text=True, check=False)
    assert piped.returncode == 0 and "SEND" in piped.stdout and "\x1b[" not in piped.stdout
    empty = subprocess.run([str(script), "check", "-"], input="", capture_output=True, text=True, check=False)
    assert empty.returncode == 2 and empty.stderr.count("\n") == 1 and "Traceback" not in empty.stderr


def test_a_reader_that_goes_away_never_turns_a_block_into_a_pass(tmp_path: Path) -> None:
    """`candor check draft | head -1`-style: the review could not be written whole, so it is exit 3 with one line,
    not 0 (a blocked draft passed a gate that reads only the exit code)."""
    import os

    draft = tmp_path / "blaming.txt"
    draft.write_text(BLAMING, encoding="utf-8")
    read, write = os.pipe()
    os.close(read)  # nobody will read: the first write fails
    done = subprocess.run(
        [str(Path(sys.executable).with_name("candor")), "check", str(draft)],
        stdout=write, stderr=subprocess.PIPE, text=True, timeout=60, check=False,
    )  # fmt: skip
    os.close(write)
    assert done.returncode == ExitCode.ENGINE
    assert done.stderr.strip() == "candor: error: the output was closed before the review was written (broken pipe)"


def test_a_strength_found_twice_is_listed_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = tmp_path / "board.txt"
    draft.write_text(
        "Hi Dana,\n\nI know your board meets on Friday, and your board will want the figures. The report is late; "
        "that is on us. The new date is 14 March.\n\nSam\n",
        encoding="utf-8",
    )
    main(["check", str(draft), "--no-rewrite"])
    out = capsys.readouterr().out
    working = out.split("Working well", 1)[1]
    assert working.count("“your board”") == 1, working
