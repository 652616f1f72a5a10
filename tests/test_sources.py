"""`iter_messages`: files, stdin, .eml and folders as one stream, with the raw bytes kept and bad input never lost;
and the exit policy every pre-send gate shares."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewer import sources
from reviewer.errors import EngineError, ExitCode, InputError
from reviewer.hook import ExitPolicy
from reviewer.service import Reviewer
from reviewer.sources import ReadOptions, Refused, SourceMessage, iter_messages, message_from_text, register_reader
from tests.drafts import BLAMING, GOOD, MEH, MESSAGES

OPTIONS = ReadOptions()


def test_a_text_file_and_an_email_keep_their_raw_bytes() -> None:
    email = MESSAGES / "html_reply.eml"
    plain = MESSAGES / "plain_reply.txt"
    first, second = iter_messages([email, str(plain)], ReadOptions(situation="missed_deadline", client="Ana"))
    assert first.raw == email.read_bytes() and second.raw == plain.read_bytes()
    assert "we missed the 7 June date" in first.message.text and "Where is the dashboard" not in first.message.text
    assert first.subject and first.where == str(email) and first.message.source == str(email)
    assert second.message.text.endswith("Tom") and "Stop making excuses" not in second.message.text
    assert (second.message.situation, second.message.client) == ("missed_deadline", "Ana")


def stdin_of(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_stdin_is_one_message_and_whole_stdin_keeps_every_byte_of_an_oversized_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stdin_of(monkeypatch, GOOD.encode())
    (item,) = iter_messages(["-"], OPTIONS)
    assert item.where == "<stdin>" and item.message.text == GOOD and item.raw == GOOD.encode()

    big = b"Hi Ana, " + b"x" * 5000
    stdin_of(monkeypatch, big)
    (refused,) = iter_messages(["-"], ReadOptions(max_bytes=1000, whole_stdin=True), refused="yield")
    assert isinstance(refused, Refused) and "over the 1,000-byte limit" in str(refused.error)
    assert refused.raw == big
    stdin_of(monkeypatch, big)
    with pytest.raises(InputError, match="over the 1,000-byte limit"):
        list(iter_messages(["-"], ReadOptions(max_bytes=1000)))
    assert len(sys.stdin.buffer.read()) == len(big) - 1001  # without whole_stdin, reading stops past the limit


def test_a_folder_is_read_in_name_order_recursively_skipping_hidden_and_unknown_files(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "a.md").write_text(MEH, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.eml").write_bytes((MESSAGES / "latin1.eml").read_bytes())
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text(BLAMING, encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(BLAMING, encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4\x00")
    (tmp_path / "README").write_text(BLAMING, encoding="utf-8")
    items = list(iter_messages([tmp_path], OPTIONS))
    assert [Path(i.where).relative_to(tmp_path).as_posix() for i in items] == ["a.md", "b.txt", "sub/c.eml"]
    assert "René" in items[2].message.text


def test_bad_input_is_raised_or_yielded_in_place_and_the_stream_goes_on(tmp_path: Path) -> None:
    (tmp_path / "1.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "2.txt").write_bytes(b"\x89PNG\x00\x00binary")
    (tmp_path / "3.txt").write_text("> only a quote", encoding="utf-8")
    (tmp_path / "4.txt").write_text(MEH, encoding="utf-8")
    items = list(iter_messages([tmp_path, tmp_path / "missing.txt"], OPTIONS, refused="yield"))
    assert [type(i).__name__ for i in items] == ["SourceMessage", "Refused", "Refused", "SourceMessage", "Refused"]
    binary, quote, missing = (i for i in items if isinstance(i, Refused))
    assert "looks binary" in str(binary.error) and binary.raw == (tmp_path / "2.txt").read_bytes()
    assert "no message text left" in str(quote.error)
    assert "no such file" in str(missing.error) and missing.raw is None
    stream = iter_messages([tmp_path], OPTIONS)
    assert isinstance(next(stream), SourceMessage)
    with pytest.raises(InputError, match="looks binary"):
        next(stream)


def test_an_empty_folder_is_refused_not_passed_as_nothing_wrong(tmp_path: Path) -> None:
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    with pytest.raises(InputError, match="folder holds no message files"):
        list(iter_messages([tmp_path], OPTIONS))


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registered readers are process-wide: give each test its own table."""
    monkeypatch.setattr(sources, "_READERS", dict(sources._READERS))


def test_a_registered_reader_splits_a_container_in_files_and_folders(tmp_path: Path, readers: None) -> None:
    def read_lines(path: Path, where: str, options: ReadOptions) -> Iterator[sources.Item]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield message_from_text(line, f"{where}#{n}", options)

    register_reader(".LINES", read_lines)
    archive = tmp_path / "inbox.lines"
    archive.write_text(f"{GOOD}\n\n{MEH}\n", encoding="utf-8")
    items = list(iter_messages([tmp_path], OPTIONS, refused="yield"))
    assert [i.where.rsplit("/", 1)[-1] for i in items] == ["inbox.lines#1", "inbox.lines#2", "inbox.lines#3"]
    assert isinstance(items[1], Refused) and "empty input" in str(items[1].error)
    assert isinstance(items[2], SourceMessage) and items[2].message.text == MEH and items[2].raw == MEH.encode()
    with pytest.raises(ValueError, match="'.mbox'"):
        register_reader("mbox", read_lines)


def test_exit_policy_turns_verdicts_and_errors_into_the_documented_codes() -> None:
    reviewer = Reviewer()
    good, meh, bad = (reviewer.review_text(t) for t in (GOOD, MEH, BLAMING))
    assert (good.verdict, meh.verdict, bad.verdict) == ("send", "revise", "block")
    default, strict = ExitPolicy(), ExitPolicy(fail_on="revise")
    assert [default.exit_code(r) for r in (good, meh, bad)] == [ExitCode.OK, ExitCode.OK, ExitCode.BLOCKED]
    assert [strict.exit_code(r) for r in (good, meh, bad)] == [ExitCode.OK, ExitCode.BLOCKED, ExitCode.BLOCKED]
    assert default.run_exit_code([]) == ExitCode.USAGE  # reviewed nothing: never a pass
    assert default.run_exit_code([good, meh]) == ExitCode.OK
    assert default.run_exit_code([good, bad]) == ExitCode.BLOCKED
    assert default.run_exit_code([bad, InputError("x: empty")]) == ExitCode.USAGE
    assert default.run_exit_code([InputError("x"), EngineError("down"), good]) == ExitCode.ENGINE
    assert default.run_exit_code([good, RuntimeError("bug")]) == ExitCode.ENGINE
    assert ExitPolicy.from_settings(reviewer.settings.replace(fail_on="revise")) == strict
