"""Issue 13, item 24: property-based tests over the parsers. Whatever the bytes, reading gives a message or one
InputError (never another exception), in bounded time; stripping never loses a line the writer wrote unless it says
so; config and rubric patterns give a value or their one-line error."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.config import load_settings
from reviewer.errors import ConfigError, InputError
from reviewer.inputs import parse_bytes, strip_quoted
from reviewer.patterns import check_pattern

FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)

MAIL_PIECES = st.sampled_from(
    [
        b"From: a@b.c\r\n",
        b"Subject: =?utf-8?q?hi?=\r\n",
        b"MIME-Version: 1.0\r\n",
        b"Content-Type: multipart/alternative; boundary=b\r\n",
        b"Content-Type: text/plain; charset=utf-8\r\n",
        b"Content-Type: text/html; charset=latin-1\r\n",
        b"Content-Type: text/plain; charset=idna\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"\r\n",
        b"--b\r\n",
        b"--b--\r\n",
        b"SGkgVG9tLCBzb3JyeS4=\r\n",
        b'<div class="gmail_quote"><blockquote>old</blockquote></div><p>new text</p>\r\n',
        b"Hi Tom, the launch slipped because of us.\r\n",
        b"> quoted\r\n",
        b"-- \r\n",
        b"\xff\xfe\x00",
    ]
)


@FAST
@given(st.lists(MAIL_PIECES, max_size=30), st.sampled_from(["", ".eml", ".txt", ".md"]))
def test_any_mail_shaped_bytes_give_a_message_or_one_input_error(pieces: list[bytes], suffix: str) -> None:
    data = b"".join(pieces)
    started = time.perf_counter()
    try:
        parsed = parse_bytes(data, "draft", suffix=suffix, max_chars=50_000)
    except InputError as err:
        assert "\n" not in str(err) and str(err).startswith("draft: ")
    else:
        assert parsed.text.strip() and "\x00" not in parsed.text
    assert time.perf_counter() - started < 2


@FAST
@given(st.binary(max_size=3000), st.sampled_from(["", ".eml", ".txt"]))
def test_any_bytes_give_a_message_or_one_input_error(data: bytes, suffix: str) -> None:
    try:
        parse_bytes(data, "draft", suffix=suffix, max_chars=50_000)
    except InputError as err:
        assert "\n" not in str(err)


PROSE = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80).filter(
    lambda line: line.strip() and not line.lstrip().startswith(">")
)


@FAST
@given(st.lists(PROSE, min_size=1, max_size=12))
def test_every_line_the_writer_wrote_is_kept_or_a_note_says_what_was_left_out(lines: list[str]) -> None:
    text = "\n".join(lines)
    stripped = strip_quoted(text)
    lost = [line for line in lines if line.strip() and line.strip() not in stripped.text]
    assert not lost or stripped.notes


@FAST
@given(st.text(max_size=60))
def test_any_rubric_pattern_is_valid_or_one_error(pattern: str) -> None:
    error = check_pattern(pattern)
    assert error is None or isinstance(error, str)


TOML_PIECES = st.sampled_from(
    [
        "send_at = 4.0\n",
        "send_at = nan\n",
        "send_at = 'x'\n",
        "block_below = 9\n",
        "engine = 'llm'\n",
        "engine = 'nope'\n",
        "rubric_dirs = ['r']\n",
        "rubric_dirs = 3\n",
        "cache_dir = ''\n",
        "[tool]\n",
        "candor = 'x'\n",
        "[[x]]\n",
        "x = [[[[[[]]]]]]\n",
        "api_key = 'sk'\n",
        "\ufeff",
        "= broken\n",
    ]
)


@FAST
@given(st.lists(TOML_PIECES, max_size=8), st.sampled_from(["candor.toml", "pyproject.toml"]))
def test_any_config_file_gives_settings_or_one_config_error(
    tmp_path_factory: pytest.TempPathFactory, pieces: list[str], name: str
) -> None:
    folder = tmp_path_factory.mktemp("cfg")
    path = Path(folder, name)
    path.write_text("".join(pieces), encoding="utf-8")
    try:
        load_settings(config_file=path, environ={"CANDOR_CONFIG": str(folder / "none.toml")})
    except ConfigError as err:
        assert "\n" not in str(err)


LINE_STARTS = st.sampled_from(
    ["", " ", "\t", "\u00a0", "\u2003", "> ", ">", "-- ", "--", "- ", "---- Original Message ----", "----- Forwarded",
     "From: Dana <d@x.io>", "from:", "*From:* Dana", "Sent: Monday", "Date: 3 June", "To: Sam", "Cc: ops",
     "Subject: launch", "To be honest", "Sent from my iPhone", "sent from my phone", "Sent from my", "SENT FROM MY ",
     "Get Outlook for iOS", "get outlook for", "On Mon, 3 Jun 2024, Dana wrote:", "______", "____", "\u017fent: x",
     "Hi Dana,", "We missed the date.", "Best,", "Sam", "\r", "\x0b", "\x1c"]
)  # fmt: skip
LINE_ENDS = st.sampled_from(["", " the launch slipped because of us.", " x", ":", " wrote:", "  ", "\r"])


@FAST
@given(st.lists(st.tuples(LINE_STARTS, LINE_ENDS), min_size=1, max_size=14))
def test_the_one_search_shortcut_strips_exactly_as_testing_line_by_line(lines: list[tuple[str, str]]) -> None:
    """`strip_quoted` leaves a text with no line that could start a cut whole after one search; whatever the lines
    (near misses of every marker, other whitespace, case), it gives what testing each line gives."""
    from reviewer.inputs import _strip_line_by_line

    text = "\n".join(start + end for start, end in lines)
    assert strip_quoted(text) == _strip_line_by_line(text)


def test_the_shortcut_strips_every_corpus_message_as_testing_line_by_line() -> None:
    from reviewer.inputs import _may_cut, _strip_line_by_line

    root = Path(__file__).resolve().parents[2] / "evals" / "data"
    texts = [
        str(json.loads(line).get("text", ""))
        for path in [*sorted(root.glob("raw/*.jsonl")), root / "realistic" / "dev.jsonl"]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(texts) > 500
    shortcut = [text for text in texts if not _may_cut(text)]
    assert len(shortcut) > len(texts) // 2  # the shortcut is what most messages take
    for text in texts:
        assert strip_quoted(text) == _strip_line_by_line(text)
