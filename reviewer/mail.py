"""`candor sendmail -- /usr/sbin/sendmail -oi -t`: a review in front of any sendmail-compatible program.

Mail clients (mutt, neomutt, aerc) and git hand a finished RFC 822 message to a sendmail program on stdin. This
wrapper reads every byte of it, reviews the text body through `reviewer.sources` (text/plain preferred, HTML turned
into text, quoted replies and signatures ignored, attachments skipped), and then:

- on pass, runs the real program with its arguments, gives it the exact bytes it read (less any X-Candor* header
  fields, Candor's own instructions, which the recipient has no use for), and returns its exit code;
- on block, prints the review on stderr and exits 75 (EX_TEMPFAIL), so the client reports a failed send and keeps
  the draft; nothing is handed on.

Anything that is not a clear pass is a block with one line saying why: a message that cannot be reviewed (broken
MIME, no text body, binary only, too large), an engine failure (unless fail-open), a bad config. A mail is never
dropped or changed on the way: either the program receives the bytes exactly as they came, or it receives nothing
and the client still has the draft.

Overrides: `X-Candor-Ignore: RULE, ...` ignores rules for this mail (`reviewer.suppress`); `X-Candor: send-anyway`
or `--send-anyway` hands on a mail the review would hold back, saying so on stderr with the review.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, TextIO

from reviewer.commands import CommandRegistry, reviewer_from_args, settings_from_args
from reviewer.errors import CandorError, ExitCode
from reviewer.sources import MAX_MAIL_BYTES, mail_limit  # one limit for a mail, wherever it is read

if TYPE_CHECKING:
    from reviewer.report import Format
    from reviewer.sources import ReadOptions, SourceMessage

OVERRIDE_HEADER = "X-Candor"
"""`X-Candor: send-anyway` sends a mail the review would hold back (logged on stderr); X-Candor* headers are removed
before the mail is handed on."""

EX_TEMPFAIL = 75
"""sysexits.h: a temporary failure; mail clients keep the message and report the send as failed."""


@dataclass(frozen=True)
class Handoff:
    """What the wrapper decided: hand these bytes on (`send`), or keep the mail back with this exit code."""

    send: bytes | None
    exit_code: int
    report: str
    """For stderr: the review (on block), the reason the mail was not reviewed, or nothing on a quiet pass."""


def decide(raw: bytes, args: argparse.Namespace, *, fmt: Format = "text") -> Handoff:
    """Review one mail's bytes and decide; never raises for anything a user can cause.

    With a send-anyway override (`--send-anyway`, or the header `X-Candor: send-anyway`) a mail that would be held
    back is handed on all the same, and stderr says so with the review: the override is never silent.
    """
    handoff = _review(raw, args, fmt)
    override = "--send-anyway" if args.send_anyway else ("X-Candor: send-anyway" if _asks_send_anyway(raw) else None)
    if handoff.send is not None or override is None:
        return handoff
    report = handoff.report.replace(_KEPT, "")
    note = f"candor: sent anyway ({override}): the review above was overridden\n"
    return Handoff(raw, ExitCode.OK, report.replace("candor: not sent: ", "candor: not reviewed: ") + note)


_KEPT = "candor: not sent; the draft is kept (exit 75)\n"


def _asks_send_anyway(raw: bytes) -> bool:
    from email.parser import BytesHeaderParser
    from email.policy import compat32

    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    except Exception:  # noqa: BLE001 - a mail whose headers do not parse asks for nothing
        return False
    values = [str(v) for v in headers.get_all(OVERRIDE_HEADER) or ()]
    return any("send-anyway" in v.lower() for v in values)


def without_candor_headers(raw: bytes) -> bytes:
    """The mail less its X-Candor* header fields (with their folded lines); every other byte as it came."""
    lines = raw.splitlines(keepends=True)
    out: list[bytes] = []
    dropping = False
    for index, line in enumerate(lines):
        if line in (b"\n", b"\r\n"):  # the end of the header section: the rest is the body, untouched
            return b"".join(out) + b"".join(lines[index:])
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                out.append(line)
            continue
        dropping = line.lower().startswith(b"x-candor")
        if not dropping:
            out.append(line)
    return raw  # no header section end: not a mail whose headers can be told apart; leave it alone


def _review(raw: bytes, args: argparse.Namespace, fmt: Format) -> Handoff:
    from reviewer.hook import ExitPolicy
    from reviewer.report import judge, render_report
    from reviewer.sources import ReadOptions, Refused, message_from_bytes

    try:
        reviewer = reviewer_from_args(args)
    except CandorError as err:
        return Handoff(None, EX_TEMPFAIL, f"candor: not sent: {err}\n")
    settings = reviewer.settings
    limit = mail_limit(settings.max_input_bytes)
    if len(raw) > limit:
        return Handoff(None, EX_TEMPFAIL, f"candor: not sent: the mail is {len(raw):,} bytes, over {limit:,}\n")
    options = ReadOptions.from_settings(settings, client=getattr(args, "client", None))
    item = message_from_bytes(raw, "mail", options, suffix=".eml")
    if isinstance(item, Refused):
        return Handoff(None, EX_TEMPFAIL, f"candor: not sent: {item.error}\n")
    if broken := mime_defects(raw):
        return Handoff(None, EX_TEMPFAIL, f"candor: not sent: the mail's MIME structure is broken ({broken})\n")
    patch = _patch_prose(raw, options)
    if patch is not None:
        # git send-email through this wrapper (its smtpServer): a patch's diff, diffstat and trailers are not prose,
        # as in the sendemail-validate hook: only the commit message or the cover letter's blurb is reviewed.
        if isinstance(patch, Handoff):
            return patch
        item = patch
    try:
        review = reviewer.review(item.message)
    except CandorError as err:
        return Handoff(None, EX_TEMPFAIL, f"candor: not sent: {err}\n")
    policy = ExitPolicy.from_settings(settings)
    judged = judge(_name(item.subject, fmt), review, settings.gate, policy)
    if not judged.passed:
        lexicon = reviewer.rubric.lexicon
        report = render_report(judged, settings.gate, fmt, show_rewrite=not args.no_rewrite, lexicon=lexicon)
        return Handoff(None, EX_TEMPFAIL, report + _KEPT)
    # A pass prints nothing, except what the review was told to ignore: a suppression is never silent.
    from reviewer.suppress import NOTE_PREFIXES

    ignored = [n for n in review.notes if n.startswith(NOTE_PREFIXES)]
    return Handoff(raw, ExitCode.OK, "".join(f"candor: note: {n}\n" for n in ignored))


def _patch_prose(raw: bytes, options: ReadOptions) -> SourceMessage | Handoff | None:
    """A `git format-patch` mail's own prose as the message to review; a Handoff when there is none to review (a
    patch with no commit message body passes, an unfinished cover letter is held back); None for any other mail."""
    from reviewer.inputs import parse_email
    from reviewer.patchmail import UNFINISHED_COVER_LETTER, patch_prose
    from reviewer.sources import SourceMessage, message_from_text

    mail = parse_email(raw, "mail")
    prose = patch_prose(mail.text, mail.subject)
    if not (prose.is_patch or prose.is_cover_letter):
        return None
    if prose.is_cover_letter and prose.has_placeholder:
        return Handoff(None, EX_TEMPFAIL, f"candor: not sent: {UNFINISHED_COVER_LETTER}\n")
    if not prose.text:
        return Handoff(raw, ExitCode.OK, "")  # a patch whose commit message has no body: nothing of its own to review
    item = message_from_text(prose.text, "mail", options, raw=raw)
    return item if isinstance(item, SourceMessage) else Handoff(None, EX_TEMPFAIL, f"candor: not sent: {item.error}\n")


_BROKEN = frozenset(
    {
        "CloseBoundaryNotFoundDefect",
        "StartBoundaryNotFoundDefect",
        "NoBoundaryInMultipartDefect",
        "MultipartInvariantViolationDefect",
        "InvalidMultipartContentTransferEncodingDefect",
        "InvalidBase64CharactersDefect",
        "InvalidBase64PaddingDefect",
        "InvalidBase64LengthDefect",
    }
)
"""Defects after which the reviewed body may not be what the recipient will read (a cut-off part, undecodable
base64): the review would judge the wrong text, so the mail is held back rather than passed on that review."""


def mime_defects(raw: bytes) -> str:
    """The names of the serious defects in a mail, after decoding its body ("" when there are none)."""
    import email
    import email.policy

    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        try:
            body.get_content()
        except (LookupError, UnicodeDecodeError, ValueError):
            pass  # the reader has already refused these
    found = sorted({type(d).__name__ for part in message.walk() for d in part.defects} & _BROKEN)
    return ", ".join(found)


def _name(subject: str | None, fmt: str) -> str:
    """How the report names the mail: by its subject for a person; in `--format line`, whose `path:line:col:` a
    tool splits at colons, as "<stdin>" (the mail came on stdin; "Re: launch" would cut the line in the wrong place),
    as `candor check -` names it."""
    if fmt == "line":
        return "<stdin>"
    return f"mail “{subject}”" if subject else "mail"


def hand_on(program: Sequence[str], raw: bytes) -> tuple[int, str]:
    """Run the real sendmail with the exact bytes on stdin; its own stdout and stderr pass through."""
    try:
        done = subprocess.run(list(program), input=raw, check=False)
    except FileNotFoundError:
        return EX_TEMPFAIL, f"candor: not sent: {program[0]}: no such program\n"
    except PermissionError:
        return EX_TEMPFAIL, f"candor: not sent: {program[0]}: permission denied\n"
    except OSError as err:
        return EX_TEMPFAIL, f"candor: not sent: {program[0]}: {err.strerror}\n"
    if done.returncode < 0:
        return EX_TEMPFAIL, f"candor: {program[0]} was killed by signal {-done.returncode}; the mail may not be sent\n"
    return done.returncode, ""


def run_wrapper(args: argparse.Namespace, stdin: BinaryIO, stderr: TextIO) -> int:
    program = list(args.program)
    if program[:1] == ["--"]:
        program = program[1:]
    if not program:
        # A mis-set `sendmail =` line: hold the mail back as any other unclear case (75), never lose it.
        stderr.write("candor: not sent: give the real program after --: candor sendmail -- /usr/sbin/sendmail -oi -t\n")
        return EX_TEMPFAIL
    # Read at most one byte over the limit: a 300 MB mail was read whole (and copied) before being refused, which
    # took gigabytes of memory to say no.
    limit = MAX_MAIL_BYTES
    try:
        limit = mail_limit(settings_from_args(args).max_input_bytes)
    except CandorError:
        pass  # the review below reports the bad configuration
    raw = stdin.read(limit + 1)
    if len(raw) > limit:
        stderr.write(f"candor: not sent: the mail is over {limit:,} bytes\n{_KEPT}")
        return EX_TEMPFAIL
    handoff = decide(raw, args, fmt=args.format)
    stderr.write(handoff.report)
    if handoff.send is None:
        return handoff.exit_code
    code, problem = hand_on(program, without_candor_headers(handoff.send))
    stderr.write(problem)
    return code


def cmd_sendmail(args: argparse.Namespace) -> int:
    try:
        return run_wrapper(args, sys.stdin.buffer, sys.stderr)
    except Exception as err:  # noqa: BLE001 - the mail must be kept whatever went wrong
        if os.environ.get("CANDOR_DEBUG"):
            raise
        print(f"candor: not sent: internal error: {type(err).__name__}: {err}", file=sys.stderr)
        return EX_TEMPFAIL


def add_sendmail_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "json", "line"),
        default="text",
        help="how the review is printed on stderr when the mail is held back",
    )
    parser.add_argument("--fail-on", choices=("block", "revise"), dest="fail_on", help="which verdicts hold it back")
    parser.add_argument("--client", help="the client's name")
    parser.add_argument("--no-rewrite", action="store_true", help="do not print the suggested rewrite")
    parser.add_argument(
        "--send-anyway",
        action="store_true",
        help="hand the mail on even if the review would hold it back (said on stderr); or add `X-Candor: send-anyway`",
    )
    parser.add_argument(
        "program", nargs=argparse.REMAINDER, help="-- then the real sendmail and its arguments, as the client has them"
    )


def register(commands: CommandRegistry) -> None:
    commands.add(
        "sendmail",
        cmd_sendmail,
        help="review a mail on stdin, then hand it to the real sendmail (exit 75 and keep it when blocked)",
        arguments=add_sendmail_arguments,
    )
