"""Issue 13, items 1-4 and 20: no draft gets past the gate because reading left part of it out, and what reading
does leave out is said in the review's notes. `B` blocks on its own, so a SEND below means B was never reviewed."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.errors import ExitCode

B = "The launch slipped because your team failed to send the files on time."


def check(tmp_path: Path, name: str, data: str | bytes, capsys: pytest.CaptureFixture[str], *flags: str):
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    code = main(["check", str(path), "--format", "json", *flags])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out else None), captured.err


def html_mail(body: str, charset: str = "utf-8") -> str:
    return (
        "From: Sam <sam@example.com>\nSubject: Re: launch\nMIME-Version: 1.0\n"
        f"Content-Type: text/html; charset={charset}\n\n{body}\n"
    )


def test_text_after_a_gmail_quote_div_is_reviewed_and_the_quote_noted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        '<html><body><div>Hi Tom, answers below.</div><div class="gmail_quote">On Mon, Tom wrote:'
        f"<blockquote>When?</blockquote></div><p>{B}</p></body></html>"
    )
    code, review, _ = check(tmp_path, "reply.eml", html_mail(body), capsys)
    assert code == ExitCode.BLOCKED and B in review["text"] and "When?" not in review["text"]
    assert any("quoted thread" in note for note in review["notes"])


@pytest.mark.parametrize("tag", ["<script>", "<head>", "<style>"])
def test_a_txt_draft_that_mentions_body_is_not_parsed_as_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tag: str
) -> None:
    draft = f"Hi Tom,\n\nThe template puts the greeting in <body> and the tracker in {tag}.\n{B}\n"
    code, review, _ = check(tmp_path, "draft.txt", draft, capsys)
    assert code == ExitCode.BLOCKED and B in review["text"] and tag in review["text"]


@pytest.mark.parametrize(
    "marker",
    [
        "--",  # a bare signature marker, no trailing space
        "_____",  # an Outlook rule, but no quoted header below it
        "From: the design team\nDate: moved to Friday",  # a From: line followed by Date:, but no header block
        "-- ",
        "Sent from my iPhone",
    ],
)
def test_text_the_sender_wrote_below_a_look_alike_is_reviewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], marker: str
) -> None:
    code, review, _ = check(tmp_path, "draft.txt", f"Hi Tom,\n\nQuick update.\n{marker}\n{B}\n", capsys)
    assert code == ExitCode.BLOCKED and B in review["text"]


def test_every_cut_is_noted_in_the_review(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = (
        "Hi Ana,\n\nThe export is late, and that is on us. It ships Thursday 13 June.\n\nTom\n-- \n"
        "Tom Reyes | Delivery lead\n\nOn Tue, 11 Jun 2024 at 08:00, Ana wrote:\n> Where is the export?\n"
    )
    code, review, _ = check(tmp_path, "reply.txt", draft, capsys)
    assert code in (ExitCode.OK, ExitCode.BLOCKED)
    assert review["text"].endswith("Tom") and "Delivery lead" not in review["text"]
    notes = " ".join(review["notes"])
    assert "signature" in notes and "Tom Reyes" in notes and "quoted reply" in notes and "On Tue" in notes


def test_an_outlook_thread_is_cut_and_noted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = (
        f"Hi Ana,\n\n{B}\n\n________________________________\nFrom: Ana <ana@client.example>\n"
        "Sent: Monday, 10 June 2024 09:00\nTo: Tom\nSubject: export\n\nWhere is it? ASAP please.\n"
    )
    code, review, _ = check(tmp_path, "reply.txt", draft, capsys)
    assert code == ExitCode.BLOCKED and "ASAP" not in review["text"]
    assert any("quoted thread" in note and "6 lines" in note for note in review["notes"])


def test_a_bottom_posted_reply_keeps_what_the_sender_wrote_below_the_quote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = f"Hi Tom,\n\nOn Mon, 10 Jun 2024, Tom wrote:\n> When?\n\n{B}\n"
    code, review, _ = check(tmp_path, "reply.txt", draft, capsys)
    assert code == ExitCode.BLOCKED and B in review["text"] and "When?" not in review["text"]


def mail(body: bytes, *, charset: str = "utf-8", encoding: str = "8bit") -> bytes:
    head = (
        "From: Sam <sam@example.com>\nSubject: launch\nMIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: {encoding}\n\n"
    )
    return head.encode() + body + b"\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (mail("Hi Ren\xe9, the launch slipped.".encode("latin-1")), "not valid utf-8"),
        (mail(base64.b64encode(b"Hi \xff\xfe team, sorry."), encoding="base64"), "not valid utf-8"),
        (mail(b"Hi team!! this is $$ not base64 at all ###", encoding="base64"), "not valid base64"),
        (mail(b"Hi team, the launch slipped.", charset="idna"), "unusable charset 'idna'"),
        (mail(b"Hi team, the launch slipped.", charset="x-no-such-charset"), "unusable charset 'x-no-such-charset'"),
    ],
)
def test_an_email_body_that_does_not_decode_is_refused_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, expected: str
) -> None:
    code, review, err = check(tmp_path, "mail.eml", data, capsys)
    assert code == ExitCode.USAGE and review is None
    assert len(err.strip().splitlines()) == 1 and expected in err.lower() and "Traceback" not in err


def test_a_signature_only_draft_is_refused_like_a_quotes_only_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for draft in ("-- \nTom Reyes\nDelivery lead | Acme\n", "> the old message\n> more of it\n"):
        code, review, err = check(tmp_path, "draft.txt", draft, capsys)
        assert code == ExitCode.USAGE and review is None and "no message text left" in err


def test_a_nul_byte_anywhere_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, review, err = check(tmp_path, "draft.txt", f"Hi Tom, {B}\n" + "x " * 5000 + "\x00 tail\n", capsys)
    assert code == ExitCode.USAGE and review is None and "NUL" in err


def test_a_utf16_file_is_reviewed_with_encoding_utf16(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, review, _ = check(tmp_path, "draft.txt", f"Hi Tom, {B}".encode("utf-16"), capsys, "--encoding", "utf-16")
    assert code == ExitCode.BLOCKED and review["text"] == f"Hi Tom, {B}"
