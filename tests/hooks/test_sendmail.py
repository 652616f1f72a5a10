"""`candor sendmail -- PROGRAM ARGS`: run as a mail client runs it, in front of a stand-in sendmail that records
exactly what it was given. On pass the bytes arrive unchanged; on block, or when in doubt, nothing arrives and the
wrapper exits 75 with one clear reason, so the client keeps the draft."""

from __future__ import annotations

import json
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from hooks_support import CANDOR, GOOD, POOR, hook_env

STAND_IN = """\
import json, os, sys
data = sys.stdin.buffer.read()
with open(os.environ["RECORD"], "wb") as out:
    out.write(data)
with open(os.environ["RECORD"] + ".argv", "w") as out:
    json.dump(sys.argv[1:], out)
sys.exit(int(os.environ.get("STAND_IN_EXIT", "0")))
"""


class Sendmail:
    """A stand-in sendmail and the wrapper in front of it."""

    def __init__(self, tmp_path: Path) -> None:
        self.script = tmp_path / "fake-sendmail.py"
        self.script.write_text(STAND_IN)
        self.record = tmp_path / "received.eml"
        self.env = hook_env(tmp_path) | {"RECORD": str(self.record)}

    def run(
        self, mail: bytes, *flags: str, exit_code: int = 0, program: list[str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        program = program or [sys.executable, str(self.script), "-oi", "-t"]
        return subprocess.run(
            [CANDOR, "sendmail", *flags, "--", *program],
            input=mail,
            capture_output=True,
            env=self.env | {"STAND_IN_EXIT": str(exit_code)},
            timeout=60,
        )

    @property
    def received(self) -> bytes | None:
        return self.record.read_bytes() if self.record.exists() else None

    @property
    def argv(self) -> list[str]:
        return list(json.loads(self.record.with_name(self.record.name + ".argv").read_text()))


@pytest.fixture
def sendmail(tmp_path: Path) -> Sendmail:
    return Sendmail(tmp_path)


def plain_mail(body: str, *, crlf: bool = False) -> bytes:
    text = f"From: Sam <sam@example.com>\nTo: Ana <ana@example.com>\nSubject: The launch\n\n{body}"
    return (text.replace("\n", "\r\n") if crlf else text).encode()


def rich_mail(body: str, *, quoted: str = "", attachment: bytes = b"%PDF-1.4 report") -> bytes:
    """What a mail client sends: text and HTML alternatives, a quoted reply, a signature and an attachment."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "sam@example.com", "ana@example.com", "Re: The launch"
    quote = "".join(f"> {line}\n" for line in quoted.splitlines())
    message.set_content(f"{body}\n\nOn Mon, 2 Jun 2025, Ana wrote:\n{quote}\n-- \nSam Lee, Acme\n")
    html_body = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    message.add_alternative(f"<html><body>{html_body}<blockquote>{quoted}</blockquote></body></html>", subtype="html")
    message.add_attachment(attachment, maintype="application", subtype="pdf", filename="report.pdf")
    return bytes(message)


def test_a_good_mail_reaches_sendmail_byte_for_byte_with_its_arguments(sendmail: Sendmail) -> None:
    mail = plain_mail(GOOD, crlf=True)
    done = sendmail.run(mail)
    assert done.returncode == 0, done.stderr
    assert sendmail.received == mail
    assert sendmail.argv == ["-oi", "-t"]
    assert done.stdout == b"" and done.stderr == b""  # a pass is quiet: nothing for the mail client to show


def test_the_real_programs_exit_code_is_returned(sendmail: Sendmail) -> None:
    done = sendmail.run(plain_mail(GOOD), exit_code=67)
    assert done.returncode == 67 and sendmail.received == plain_mail(GOOD)


def test_recipients_after_a_double_dash_are_passed_on(sendmail: Sendmail) -> None:
    program = [sys.executable, str(sendmail.script), "-oi", "--", "ana@example.com"]
    assert sendmail.run(plain_mail(GOOD), program=program).returncode == 0
    assert sendmail.argv == ["-oi", "--", "ana@example.com"]


def test_a_poor_mail_is_held_back_with_the_review_on_stderr(sendmail: Sendmail) -> None:
    done = sendmail.run(plain_mail(POOR))
    assert done.returncode == 75
    assert sendmail.received is None
    err = done.stderr.decode()
    assert "blame-client" in err and "BLOCK" in err and "not sent" in err and "exit 75" in err
    assert done.stdout == b""


def test_line_format_on_stderr(sendmail: Sendmail) -> None:
    """Every problem line parses as `path:line:col: severity rule: message`, even when the subject has a colon."""
    import re

    done = sendmail.run(
        plain_mail(POOR).replace(b"Subject: The launch", b"Subject: Re: launch \xe2\x80\x9cv2\xe2\x80\x9d"),
        "--format",
        "line",
    )
    assert done.returncode == 75
    lines = [line for line in done.stderr.decode().splitlines() if not line.startswith("candor: ")]
    assert any(" error blame-client: " in line for line in lines)
    assert lines and all(re.match(r"<stdin>:\d+:\d+: (?:error|warning|note) [\w-]+: ", line) for line in lines), lines


def test_multipart_html_quotes_signature_and_attachment(sendmail: Sendmail) -> None:
    # The quoted thread is poor; the mail's own words are good: only the mail's own words are reviewed.
    mail = rich_mail(GOOD, quoted=POOR)
    done = sendmail.run(mail)
    assert done.returncode == 0, done.stderr
    assert sendmail.received == mail
    # ... and the other way round: a poor reply under a good quote is held back.
    assert sendmail.run(rich_mail(POOR, quoted=GOOD)).returncode == 75


def test_a_large_attachment_is_not_a_reason_to_hold_a_mail(sendmail: Sendmail) -> None:
    mail = rich_mail(GOOD, attachment=bytes(range(256)) * 12_000)  # about 3 MB, over max_input_bytes
    assert len(mail) > 2_000_000
    assert sendmail.run(mail).returncode == 0
    assert sendmail.received == mail


def test_fail_on_revise_holds_a_revise(sendmail: Sendmail) -> None:
    mail = plain_mail("Hi Ana, the report is late. We will send it soon.\n")
    assert sendmail.run(mail).returncode == 0
    sendmail.record.unlink()
    done = sendmail.run(mail, "--fail-on", "revise")
    assert done.returncode == 75 and sendmail.received is None and b"fail_on = revise" in done.stderr


BROKEN = {
    "no body": b"From: sam@example.com\nTo: ana@example.com\nSubject: x\n\n",
    "headers only": b"From: sam@example.com\nTo: ana@example.com\nSubject: x\n",
    "binary only": (
        b"From: sam@example.com\nTo: ana@example.com\nSubject: x\nMIME-Version: 1.0\n"
        b"Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
    ),
    "multipart without a boundary": (
        b"From: sam@example.com\nTo: ana@example.com\nSubject: x\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed\n\n--zz\nContent-Type: text/plain\n\n" + GOOD.encode() + b"\n--zz--\n"
    ),
    "cut-off multipart": (
        b"From: sam@example.com\nTo: ana@example.com\nSubject: x\nMIME-Version: 1.0\n"
        b"Content-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\n" + GOOD.encode()
    ),
    "undecodable base64 body": (
        b"From: sam@example.com\nTo: ana@example.com\nSubject: x\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: base64\n\nSGkgQW5hLCB3ZSBhcmUgbGF0ZQ\n"
    ),
    "unknown charset": b"From: s@example.com\nSubject: x\nContent-Type: text/plain; charset=klingon\n\nHello\n",
    "NUL bytes": b"From: s@example.com\nSubject: x\n\nHello\x00\x00 there\n",
    "huge body": plain_mail("We are sorry the launch is late. " * 2_000),
    "empty": b"",
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_mail_that_cannot_be_reviewed_is_kept_with_one_clear_line(sendmail: Sendmail, case: str) -> None:
    done = sendmail.run(BROKEN[case])
    assert done.returncode == 75
    assert sendmail.received is None
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("candor: not sent: ") and "Traceback" not in lines[0]


def test_a_missing_program_keeps_the_mail(sendmail: Sendmail, tmp_path: Path) -> None:
    done = sendmail.run(plain_mail(GOOD), program=[str(tmp_path / "no-such-sendmail"), "-t"])
    assert done.returncode == 75 and b"no such program" in done.stderr


def test_no_program_keeps_the_mail_like_any_bad_config(sendmail: Sendmail) -> None:
    done = subprocess.run(
        [CANDOR, "sendmail"], input=plain_mail(GOOD), capture_output=True, env=sendmail.env, timeout=60
    )
    assert done.returncode == 75 and b"candor: not sent: give the real program" in done.stderr


def test_a_huge_mail_is_refused_after_reading_one_byte_over_the_limit() -> None:
    """A 300 MB mail was read whole (gigabytes of memory) before being refused: reading stops past the limit."""
    import argparse
    import io

    from reviewer.mail import MAX_MAIL_BYTES, run_wrapper

    class Endless(io.RawIOBase):
        read_so_far = 0

        def read(self, size: int = -1) -> bytes:
            assert size > 0, "read without a bound"
            self.read_so_far += size
            return b"x" * size

    stdin, stderr = Endless(), io.StringIO()
    args = argparse.Namespace(program=["--", "/bin/true"], config=None, format="text", send_anyway=False)
    assert run_wrapper(args, stdin, stderr) == 75  # type: ignore[arg-type]
    assert stdin.read_so_far <= MAX_MAIL_BYTES + 1 and f"over {MAX_MAIL_BYTES:,} bytes" in stderr.getvalue()


def test_a_bad_config_keeps_the_mail(sendmail: Sendmail, tmp_path: Path) -> None:
    bad = tmp_path / "candor.toml"
    bad.write_text("send_at = 'high'\n")
    done = sendmail.run(plain_mail(GOOD), "--config", str(bad))
    assert done.returncode == 75 and sendmail.received is None and b"send_at" in done.stderr


def test_an_unreachable_model_holds_the_mail_unless_fail_open(sendmail: Sendmail) -> None:
    from tests.llm.llm_support import free_port

    model = ["--engine", "rules+llm", "--model", "m", "--base-url", f"http://127.0.0.1:{free_port()}/v1"]
    held = sendmail.run(plain_mail(GOOD), *model)
    assert held.returncode == 75 and sendmail.received is None
    assert held.stderr.decode().startswith("candor: not sent: ")
    passed = sendmail.run(plain_mail(GOOD), *model, "--fail-open")
    assert passed.returncode == 0 and sendmail.received == plain_mail(GOOD)
    assert b"fail_open" in passed.stderr  # the fallback is said, not silent


def test_a_git_patch_sent_through_the_wrapper_is_reviewed_for_its_message_not_its_diff(sendmail: Sendmail) -> None:
    """git send-email with the wrapper as its smtpServer: the diff's own words ("your team failed...") are code, not
    prose; the commit message is what is reviewed, as by the sendemail-validate hook."""
    diff = (
        "---\n launch.sh | 1 +\n 1 file changed, 1 insertion(+)\n\n"
        "diff --git a/launch.sh b/launch.sh\n--- a/launch.sh\n+++ b/launch.sh\n@@ -1 +1,2 @@\n"
        " echo start\n+echo 'It slipped because your team failed to send the content. ASAP.'\n-- \n2.39.5\n"
    )
    head = "From: Sam <sam@example.com>\nTo: Ana <ana@example.com>\nSubject: [PATCH] Say when the launch starts\n\n"
    bodiless = (head + diff).encode()
    assert sendmail.run(bodiless).returncode == 0 and sendmail.received == bodiless
    poor_message = (head + "It slipped because your team failed to send the content. ASAP.\n\n" + diff).encode()
    held = sendmail.run(poor_message)
    assert held.returncode == 75 and b"blame-client" in held.stderr


def test_a_mail_that_passes_because_of_a_suppression_says_what_was_ignored(sendmail: Sendmail) -> None:
    """A pass prints nothing, but what the review was told to ignore is never silent."""
    text = plain_mail(GOOD).decode().replace("Subject:", "X-Candor-Ignore: vague_timing, blame-typo\nSubject:", 1)
    done = sendmail.run(text.encode())
    assert done.returncode == 0 and sendmail.received is not None
    said = done.stderr.decode()
    assert "candor: note: Ignore blame-typo matched nothing" in said, said
    assert sendmail.run(plain_mail(GOOD)).stderr == b""  # no suppression: silent as ever
