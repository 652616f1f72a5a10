"""Issue 13, items 7, 8, 10 and 25: input within the limits is reviewed (or refused) in bounded time and memory:
`max_input_bytes` holds on pipes and devices, email shapes Python's parser is slow on are refused up front, and
the rules engine is not quadratic on 50,000-character drafts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.errors import ExitCode

CANDOR = [sys.executable, "-m", "reviewer.cli"]


def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CANDOR_MAX_INPUT_BYTES": "100000"}
    return subprocess.run([*CANDOR, *args], capture_output=True, text=True, timeout=60, env=env, **kwargs)  # type: ignore[call-overload]


def test_a_device_is_read_only_up_to_max_input_bytes() -> None:
    result = run(["check", "/dev/zero"])
    assert result.returncode == ExitCode.USAGE and "over the 100,000-byte limit" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_named_pipe_is_read_only_up_to_max_input_bytes(tmp_path: Path) -> None:
    fifo = tmp_path / "draft.txt"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"yes 'Hi Tom, sorry.' > {fifo}"])  # endless: only a limit stops it
    try:
        result = run(["check", str(fifo)])
    finally:
        writer.kill()
        writer.wait()
    assert result.returncode == ExitCode.USAGE and "over the 100,000-byte limit" in result.stderr


def test_closed_stdin_is_one_line_and_exit_2() -> None:
    result = run(["check", "-"], stdin=subprocess.DEVNULL)
    assert result.returncode == ExitCode.USAGE  # empty
    closed = subprocess.run(
        ["sh", "-c", f"{sys.executable} -m reviewer.cli check - <&-"], capture_output=True, text=True, timeout=60
    )
    assert closed.returncode == ExitCode.USAGE and "Traceback" not in closed.stderr
    assert len(closed.stderr.strip().splitlines()) == 1


def eml(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "mail.eml"
    path.write_bytes(data)
    return path


HEAD = b"From: Sam <sam@example.com>\r\nMIME-Version: 1.0\r\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            HEAD
            + b"Content-Type: multipart/mixed; boundary=b; "
            + b"; ".join(b"p%d=v" % i for i in range(60_000))
            + b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHi Tom, sorry.\r\n--b--\r\n",
            "parameters",
        ),
        (
            HEAD
            + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
            + b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n" for _ in range(20_000))
            + b"--b--\r\n",
            "MIME parts",
        ),
        (
            HEAD
            + b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(3000))
            + b"Content-Type: text/plain\r\n\r\nhi\r\n",
            "MIME parts",
        ),
    ],
    ids=["60k-parameters", "20k-parts", "3000-deep"],
)
def test_email_shapes_the_parser_is_slow_on_are_refused_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, expected: str
) -> None:
    started = time.monotonic()
    assert main(["check", str(eml(tmp_path, data))]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1
    assert time.monotonic() - started < 1.5


def test_a_huge_encoded_subject_is_not_parsed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    subject = b" ".join(b"=?utf-8?q?w%d?=" % i for i in range(60_000))
    data = HEAD + b"Subject: " + subject + b"\r\nContent-Type: text/plain\r\n\r\nHi Tom, the report ships on 4 May.\r\n"
    started = time.monotonic()
    assert main(["check", str(eml(tmp_path, data)), "--format", "json"]) in (ExitCode.OK, ExitCode.BLOCKED)
    assert "report ships" in capsys.readouterr().out
    assert time.monotonic() - started < 3


N = 49_000
ADVERSARIAL = {
    "run-of-spaces": "Hi" + " " * N + "sorry ASAP",
    "sorry-repeated": "sorry " * (N // 6),
    "asap-lines": "ASAP\n" * (N // 5),
    "unpunctuated-prose": (
        "we missed the deadline because your team did not send the files and we will fix it soon " * 600
    )[:N],
    "facts": ("by Friday 3 June at 10:00 we will ship $4,000 to ana@x.com on 2026-01-01 " * 700)[:N],
    "bullets": ("- sorry for the delay\n" * 3000)[:N],
    "shouting": ("YOUR TEAM FAILED AGAIN!!! " * 2000)[:N],
}


@pytest.fixture(scope="module")
def warm_reviewer():  # type: ignore[no-untyped-def]
    from reviewer.service import Reviewer

    reviewer = Reviewer()
    reviewer.review_text("Hi Tom, sorry.")
    return reviewer


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_the_rules_engine_is_not_quadratic_on_a_50000_character_draft(warm_reviewer, name: str) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    review = warm_reviewer.review_text(ADVERSARIAL[name])
    elapsed = time.perf_counter() - started
    assert review.text == ADVERSARIAL[name]
    assert elapsed < 2.0, f"{name}: {elapsed:.2f}s"  # under 1 s on an idle machine; 8-28 s before the fix
