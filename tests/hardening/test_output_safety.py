"""Issue 13, items 13, 17 and 19: what reaches the terminal is safe (no escapes from the draft, the model or a file
name), a review that cannot be written is not reported as done, and a key inside the base URL is never shown."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.errors import ExitCode

HOSTILE = (
    "Hi Tom,\n\nThe launch slipped\x1b]52;c;SGVsbG8=\x07 because of us.\x1b[2J Sorry.\x07\x1b[31m New date: 4 May.\n"
)
OWN_COLORS = re.compile(r"\x1b\[(?:32|33|31;1|31|2|1|0)m")


@pytest.mark.parametrize("color", ["never", "always"])
def test_terminal_escapes_in_the_draft_and_the_file_name_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], color: str
) -> None:
    draft = tmp_path / "draft\x1b[2J.txt"
    draft.write_text(HOSTILE, encoding="utf-8")
    assert main(["check", str(draft), "--color", color]) in (ExitCode.OK, ExitCode.BLOCKED)
    out = capsys.readouterr().out
    assert "\x07" not in out and "\x1b]" not in out and "\x1b[2J" not in out
    assert not OWN_COLORS.sub("", out).count("\x1b"), "only Candor's own colours may be escape sequences"
    assert "\\x1b]52;c;SGVsbG8=" in out  # shown, not hidden: the writer sees what is in the draft


def test_a_review_that_cannot_be_written_is_exit_3_not_0(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    draft = tmp_path / "draft.txt"
    draft.write_text("Hi Tom, the report is late. Sorry. It ships on 4 May.\n")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "reviewer.cli", "check", str(draft), "--format", "json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode not in (ExitCode.OK, ExitCode.BLOCKED) and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "No space left on device" in result.stderr and "OSError" not in result.stderr


def test_candor_debug_does_not_turn_an_internal_error_into_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import reviewer.cli as cli

    def broken(args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "cmd_config", broken)
    monkeypatch.setenv("CANDOR_DEBUG", "1")
    assert main(["config"]) == ExitCode.ENGINE
    err = capsys.readouterr().err
    assert "Traceback" in err and "boom" in err  # the details CANDOR_DEBUG asks for, with the documented code


def test_a_key_inside_the_base_url_is_masked_in_candor_config(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CANDOR_BASE_URL", "http://user:sk-SECRET-in-url-123@127.0.0.1:9/v1")
    assert main(["config"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "sk-SECRET-in-url-123" not in out and "127.0.0.1:9/v1" in out


def test_a_key_inside_the_base_url_is_masked_in_engine_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("Hi Tom, the report is late. Sorry. It ships on 4 May.\n")
    url = "http://user:sk-SECRET-in-url-123@127.0.0.1:9/v1"
    code = main(["check", str(draft), "--engine", "llm", "--model", "m", "--base-url", url, "--no-cache"])
    err = capsys.readouterr().err
    assert code == ExitCode.ENGINE and "sk-SECRET-in-url-123" not in err and "127.0.0.1:9" in err


STARTUP = (
    "import sys; sys.argv[0] = 'candor'; sys.stderr.write('up\\n'); sys.stderr.flush(); "
    "from reviewer.cli import main; raise SystemExit(main(['check', '-']))"
)
"""`candor check -` as the console script runs it, saying when Python is up and Candor starts importing."""


@pytest.mark.parametrize("delay", [0.03, 0.08, 0.15, 0.25])
def test_ctrl_c_while_candor_starts_gives_130_and_no_traceback(delay: float) -> None:
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-c", STARTUP], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None and proc.stderr.readline() == b"up\n"
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    # Wait with stdin still open: closing it first (as communicate() does) races the signal on a loaded machine,
    # and a draft that reaches its end before the interrupt is handled is reviewed as an empty input instead.
    proc.wait(timeout=60)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.INTERRUPTED, err
    assert b"Traceback" not in err and b"candor: interrupted" in err


WRAPPED_INTERRUPT = (
    "import sys; sys.argv[0] = 'candor'; import reviewer\n"
    "class Slow:\n"
    "    def __set_name__(self, owner, name):\n"
    "        raise KeyboardInterrupt\n"
    "class Imported:\n"
    "    attribute = Slow()\n"
)
"""Ctrl-C landing inside a class's `__set_name__` while a module imports: Python 3.11 re-raises it wrapped in a
RuntimeError (this is what a real Ctrl-C at 0.03 s into `candor check -` hit, inside `ipaddress`)."""


def test_ctrl_c_wrapped_by_python_during_an_import_still_gives_130_and_no_traceback() -> None:
    done = subprocess.run([sys.executable, "-c", WRAPPED_INTERRUPT], capture_output=True, timeout=60)
    assert done.returncode == ExitCode.INTERRUPTED, done.stderr
    assert b"Traceback" not in done.stderr and b"candor: interrupted" in done.stderr


SCHEMA_INTERRUPT = (
    "import sys; sys.argv[0] = 'candor'; import reviewer\n"
    "from pydantic_core import SchemaValidator, core_schema\n"
    "class Interrupting(str):\n"
    "    def __hash__(self):\n"
    "        raise KeyboardInterrupt\n"
    "    def __repr__(self):\n"
    "        raise KeyboardInterrupt\n"
    "SchemaValidator(core_schema.literal_schema([Interrupting('critical')]))\n"
)
"""Ctrl-C landing while pydantic-core builds a validator (as a real Ctrl-C at 0.15 s into `candor check -` did, in CI,
building the `severity` literal of `reviewer.models`): pydantic-core reports it as a SchemaError whose text, not its
cause, names the KeyboardInterrupt."""


def test_ctrl_c_while_pydantic_builds_a_validator_still_gives_130_and_no_traceback() -> None:
    done = subprocess.run([sys.executable, "-c", SCHEMA_INTERRUPT], capture_output=True, timeout=60)
    assert done.returncode == ExitCode.INTERRUPTED, done.stderr
    assert b"Traceback" not in done.stderr and b"candor: interrupted" in done.stderr


def test_a_schema_error_that_is_not_an_interrupt_is_not_taken_for_one() -> None:
    from pydantic_core import SchemaError

    from reviewer.interrupt import caused_by_interrupt

    assert caused_by_interrupt(SchemaError('Error building "literal" validator:\n  KeyboardInterrupt: '))
    assert not caused_by_interrupt(SchemaError("Invalid Schema: literal expected a list"))
    assert not caused_by_interrupt(ValueError("KeyboardInterrupt: quoted in a draft"))


def test_a_command_interrupted_inside_wrapping_machinery_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reviewer import cli

    def interrupted_inside_machinery(_args: object) -> int:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as err:
            raise RuntimeError("Error calling __set_name__") from err

    monkeypatch.setattr(cli.CommandRegistry, "run_for", lambda self, args: interrupted_inside_machinery)
    assert cli.main(["check", "-"]) == ExitCode.INTERRUPTED
    assert capsys.readouterr().err.strip() == "candor: interrupted"
