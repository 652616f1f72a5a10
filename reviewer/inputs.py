"""Read a message from a file or stdin into reviewable text, refusing what is not a message.

Side effects (reading files and stdin) live only in `read_source`; everything else is pure so batch and the TUI
reuse it. Rules: files over `max_bytes` are refused before they are read; text that is empty after stripping, that
holds NUL bytes, or that is not valid UTF-8 (or the charset an .eml declares) is refused with one line saying what
to do; .eml bodies prefer text/plain and turn HTML into text; quoted replies and signatures are stripped, because
the reviewer judges what the writer is about to send, not the thread below it.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.errors
import email.header
import email.policy
import html
import os
import re
import stat
import sys
from dataclasses import dataclass
from email.message import Message as MailMessage
from html.parser import HTMLParser
from pathlib import Path

from reviewer.errors import InputError
from reviewer.suppress import IGNORE_HEADER, extract_directives, split_names

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ""}
EMAIL_SUFFIXES = {".eml", ".msg822"}


@dataclass(frozen=True)
class ParsedInput:
    text: str
    subject: str | None = None
    source: str | None = None
    ignore: tuple[str, ...] = ()
    """Names from `<!-- candor: ignore ... -->` comments and an X-Candor-Ignore header (`reviewer.suppress`)."""
    notes: tuple[str, ...] = ()
    """What reading left out of the text (a quoted thread, a signature), for the review's `notes`."""


class _HTMLText(HTMLParser):
    """HTML mail to plain text: block elements become line breaks, scripts, styles and quoted threads are dropped.

    Open elements are tracked on a stack, so a quote (a `blockquote` or a `gmail_quote` div) ends where its own
    element ends, and what the writer put after it is kept; what was dropped is counted for a note.
    """

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    HIDDEN = {"script", "style", "head", "title", "template"}
    MAX_DEPTH = 500

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, str]] = []
        """Open elements: (tag, "quote" | "hidden" | "")."""
        self.open = {"quote": 0, "hidden": 0, "": 0}
        self.quoted = 0
        self.hidden = 0
        """Characters of text inside script/style/head since the last one closed."""

    def _inside(self, kind: str) -> bool:
        return self.open[kind] > 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag not in self.VOID and len(self.stack) < self.MAX_DEPTH:
            kind = (
                "hidden" if tag in self.HIDDEN else "quote" if tag == "blockquote" or "gmail_quote" in classes else ""
            )
            self.stack.append((tag, kind))
            self.open[kind] += 1
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for _, kind in self.stack[i:]:
                    self.open[kind] -= 1
                    if kind == "hidden":
                        self.hidden = 0
                del self.stack[i:]
                break
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._inside("hidden"):
            self.hidden += len(data.strip())
        elif self._inside("quote"):
            self.quoted += len(data.strip())
        else:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(markup: str) -> ParsedInput:
    """The text of an HTML body, with a note for the quoted thread (and any unclosed script or style) left out."""
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [line.strip() for line in text.splitlines()]
    notes = []
    if parser.quoted:
        notes.append(f"Left out the quoted thread of the HTML mail ({parser.quoted:,} characters).")
    if parser.hidden and parser._inside("hidden"):
        notes.append(f"Left out {parser.hidden:,} characters inside an unclosed <script>, <style> or <head>.")
    return ParsedInput(text=re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip(), notes=tuple(notes))


_ATTRIBUTION = re.compile(r"^\s*On .{4,200}(?:wrote|écrit|schrieb):\s*$", re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(?:Original|Forwarded) Message\s*-{2,}\s*$", re.IGNORECASE)
_RULE_LINE = re.compile(r"^\s*_{5,}\s*$")
_HEADER_LINE = re.compile(r"^\s*\*?(From|Sent|Date|To|Cc|Subject)\*?:\s*\S", re.IGNORECASE)
_SIGNATURE_START = re.compile(
    r"^(?:--\s*|Sent from my (?:iPhone|iPad|Android|mobile|phone|Galaxy).*|Get Outlook for .*)$", re.IGNORECASE
)
_PROSE = re.compile(r"(?:\S+\s+){5,}\S*[.!?]\W*$")
SIGNATURE_MAX_LINES = 8
SIGNATURE_MAX_WIDTH = 80
_CUT_START = r"\s*(?:>|--|\*?(?:From|Sent|Date|To|Cc|Subject)\*?:|Sent from my |Get Outlook for )"
_MAY_CUT_FIRST = re.compile(_CUT_START, re.IGNORECASE)
_MAY_CUT_LATER = re.compile("\n" + _CUT_START, re.IGNORECASE)
r"""A line that could start a cut: every line a cut needs (a quote mark, a thread's rule or header, an attribution's
quoted line, a signature's start) begins like this, after the same leading whitespace (`\s` is `str.isspace`), so
a text with no such line (the first, or one after a newline) is left whole without testing line by line. Two
patterns, not one in multiline: a leading newline lets the regex engine skip to each line instead of trying `^`
at every character."""


def _may_cut(text: str) -> bool:
    return _MAY_CUT_FIRST.match(text) is not None or _MAY_CUT_LATER.search(text) is not None


@dataclass(frozen=True)
class Stripped:
    """The text the writer wrote, and one note per thing left out of it (for the review's `notes`)."""

    text: str
    notes: tuple[str, ...] = ()


def _preview(lines: list[str]) -> str:
    first = next((line.strip() for line in lines if line.strip()), "")
    return first if len(first) <= 60 else first[:57] + "..."


def _lines(lines: list[str]) -> str:
    count = sum(1 for line in lines if line.strip())
    return f"{count} line{'s' if count != 1 else ''}"


def _is_header_block(lines: list[str], i: int) -> bool:
    """An Outlook-style quoted header: From:, then Sent:/Date: and To:/Subject: on the lines right after it."""
    if not _HEADER_LINE.match(lines[i]) or not lines[i].lstrip(" *").lower().startswith("from"):
        return False
    names = set()
    for line in lines[i + 1 : i + 6]:
        match = _HEADER_LINE.match(line)
        if not match:
            break
        names.add(match.group(1).lower())
    return bool(names & {"sent", "date"}) and bool(names & {"to", "subject", "cc"})


def _thread_start(lines: list[str]) -> int | None:
    """Where a forwarded or Outlook-quoted thread begins (it runs to the end), or None."""
    for i, line in enumerate(lines):
        if _ORIGINAL.match(line) or _is_header_block(lines, i):
            return i
        if _RULE_LINE.match(line) and any(_is_header_block(lines, j) for j in range(i + 1, min(i + 3, len(lines)))):
            return i
    return None


def _next_nonblank(lines: list[str], i: int) -> str:
    return next((line for line in lines[i + 1 :] if line.strip()), "")


def _signature_length(lines: list[str], i: int) -> int:
    """How many lines from `i` form a signature block (0 when what follows reads like the writer's message)."""
    block = lines[i:]
    body = [line for line in block[1:] if line.strip()]
    if len(body) > SIGNATURE_MAX_LINES or any(len(line) > SIGNATURE_MAX_WIDTH or _PROSE.search(line) for line in body):
        return 0
    return len(block)


def strip_quoted(text: str) -> Stripped:
    """Drop the quoted thread, quoted lines and the signature, keeping every line the writer wrote.

    Each cut is said in a note. A cut is made only where what it removes looks like what it claims to be: a
    signature marker followed by prose, or a "From:" line that is not a quoted header block, leaves the text in.
    """
    if not _may_cut(text):  # most messages: nothing to cut, and two searches in C say so
        return Stripped(text.strip(), ())
    return _strip_line_by_line(text)


def _strip_line_by_line(text: str) -> Stripped:
    lines = text.split("\n")
    notes: list[str] = []
    start = _thread_start(lines)
    if start is not None:
        cut = lines[start:]
        notes.append(f"Left out the quoted thread from {_preview(cut)!r} on ({_lines(cut)}).")
        lines = lines[:start]
    kept: list[str] = []
    quoted: list[str] = []
    attributions = 0
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            quoted.append(line)
        elif _ATTRIBUTION.match(line) and _next_nonblank(lines, i).lstrip().startswith(">"):
            attributions += 1
            quoted.append(line)
        else:
            kept.append(line)
    if quoted:
        what = "a quoted reply" if attributions else "quoted lines"
        notes.append(f"Left out {what} starting {_preview(quoted)!r} ({_lines(quoted)}).")
    for i, line in enumerate(kept):
        if _SIGNATURE_START.match(line.strip()) and (length := _signature_length(kept, i)):
            cut = kept[i : i + length]
            notes.append(f"Left out the signature {_preview(cut[1:] or cut)!r} ({_lines(cut)}).")
            kept = kept[:i]
            break
    return Stripped("\n".join(kept).strip(), tuple(notes))


def decode(data: bytes, where: str, charset: str | None = None) -> str:
    if charset is None and b"\x00" in data:
        raise InputError(f"{where}: looks binary (NUL bytes); give a text, Markdown or .eml file")
    if data.startswith(b"\xef\xbb\xbf") and (charset is None or codecs_name(charset) == "utf-8"):
        data = data[3:]
    if charset is not None and not _is_text_codec(charset):
        raise InputError(f"{where}: unknown or unusable charset {charset!r}; convert it to UTF-8 first")
    try:
        text = data.decode(charset or "utf-8")
    except (UnicodeError, LookupError, ValueError):
        raise InputError(
            f"{where}: not valid {charset or 'UTF-8'} text; convert it first (e.g. iconv -f latin1 -t utf-8)"
        ) from None
    if "\x00" in text:
        raise InputError(f"{where}: looks binary (NUL bytes); give a text, Markdown or .eml file")
    return text


def codecs_name(charset: str) -> str:
    try:
        return codecs.lookup(charset).name
    except LookupError:
        return charset.lower()


def _is_text_codec(charset: str) -> bool:
    """Only real text encodings: not "idna", "punycode" or the bytes-to-bytes codecs (hex, zlib, base64)."""
    try:
        info = codecs.lookup(charset)
    except LookupError:
        return False
    return bool(getattr(info, "_is_text_encoding", True)) and info.name not in {
        "idna",
        "punycode",
        "raw-unicode-escape",
        "unicode-escape",
    }


MAX_MIME_PARTS = 1000
MAX_HEADER_PARAMETERS = 50
SUBJECT_MAX_CHARS = 2000
_CONTENT_TYPE = re.compile(rb"^content-(?:type|disposition):[^\n]*(?:\r?\n[ \t][^\n]*)*", re.IGNORECASE | re.MULTILINE)
_BOUNDARY_LINE = re.compile(rb"^--", re.MULTILINE)


def _check_mail_size(data: bytes, where: str) -> None:
    """Refuse, before Python's email parser sees them, the shapes it takes seconds or gigabytes on."""
    for header in _CONTENT_TYPE.finditer(data):
        if header.group().count(b";") > MAX_HEADER_PARAMETERS:
            raise InputError(f"{where}: email has a header with over {MAX_HEADER_PARAMETERS} parameters; not a message")
    if len(_BOUNDARY_LINE.findall(data)) > MAX_MIME_PARTS:
        raise InputError(f"{where}: email has over {MAX_MIME_PARTS:,} MIME parts; review the message on its own")


def _is_attachment(part: MailMessage) -> bool:
    return part.get_content_disposition() == "attachment"


def _body_part(message: MailMessage) -> MailMessage | None:
    """The first inline text/plain part, else the first inline text/html part."""
    found: dict[str, MailMessage] = {}
    for part in message.walk():
        kind = part.get_content_type()
        if kind in {"text/plain", "text/html"} and kind not in found and not _is_attachment(part):
            found[kind] = part
    return found.get("text/plain") or found.get("text/html")


def _body_bytes(part: MailMessage, where: str) -> bytes:
    encoding = str(part.get("content-transfer-encoding", "7bit")).strip().lower()
    if encoding == "base64":
        payload = part.get_payload()
        if not isinstance(payload, str):
            raise InputError(f"{where}: email body is not text")
        try:
            return base64.b64decode(re.sub(r"\s+", "", payload).encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise InputError(f"{where}: email body is not valid base64; the mail is damaged") from None
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        raise InputError(f"{where}: email body is not text")
    return data


def _subject(message: MailMessage) -> str | None:
    """The decoded Subject, or None when it is missing or too long to be one (it is never reviewed)."""
    raw = message.get("subject")
    if not isinstance(raw, str) or not raw.strip() or len(raw) > SUBJECT_MAX_CHARS:
        return None
    try:
        return str(email.header.make_header(email.header.decode_header(raw)))
    except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
        return raw


def parse_email(data: bytes, where: str) -> ParsedInput:
    """The body of an RFC 822 message: text/plain preferred, else HTML turned into text; a body that does not
    decode (bad base64, bytes that are not the declared charset) is refused, never reviewed as mojibake."""
    _check_mail_size(data, where)
    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        body = _body_part(message)
    except RecursionError:
        raise InputError(f"{where}: email is nested too deeply to be a message") from None
    if body is None:
        raise InputError(f"{where}: email has no text or HTML body to review")
    charset = body.get_content_charset() or "utf-8"
    if charset in {"us-ascii", "ascii"}:
        charset = "utf-8"  # an undeclared or ASCII-declared body often carries UTF-8 anyway
    content = decode(_body_bytes(body, where), where, charset)
    if "\x00" in content:
        raise InputError(f"{where}: email body looks binary (NUL bytes)")
    if body.get_content_type() == "text/html":
        parsed = html_to_text(content)
    else:
        parsed = ParsedInput(text=content)
    ignore = split_names(" ".join(str(v) for v in message.get_all(IGNORE_HEADER) or ()))
    return ParsedInput(text=parsed.text, subject=_subject(message), source=where, notes=parsed.notes, ignore=ignore)


def looks_like_email(data: bytes) -> bool:
    head = data[:2048].decode("utf-8", "replace")
    return (
        re.match(r"(?:[A-Za-z-]+:[^\n]*\n)+", head) is not None
        and re.search(r"^(?:From|Subject|Message-ID|Content-Type|MIME-Version):", head, re.MULTILINE | re.IGNORECASE)
        is not None
        and "\n\n" in data[:65536].decode("utf-8", "replace").replace("\r\n", "\n")
    )


_HTML_START = re.compile(r"\s*(?:<!doctype\s+html|<html[\s>]|<body[\s>])", re.IGNORECASE)


def looks_like_html(text: str, suffix: str) -> bool:
    """Stdin that starts as an HTML document; a .txt or .md file is never HTML, whatever tags it mentions."""
    return suffix not in TEXT_SUFFIXES - {""} and _HTML_START.match(text) is not None


def parse_bytes(
    data: bytes, where: str, *, suffix: str = "", max_chars: int, encoding: str | None = None
) -> ParsedInput:
    """Bytes of a file or stdin to the text to review; every refusal is an InputError with one line."""
    if not data.strip():
        raise InputError(f"{where}: empty input: nothing to review")
    if suffix in EMAIL_SUFFIXES or (suffix not in TEXT_SUFFIXES - {""} and looks_like_email(data)):
        if b"\x00" in data[:8192]:
            raise InputError(f"{where}: looks binary (NUL bytes); give a text, Markdown or .eml file")
        parsed = parse_email(data, where)
    else:
        text = decode(data, where, encoding)
        parsed = html_to_text(text) if looks_like_html(text, suffix) else ParsedInput(text=text)
    text, directives = extract_directives(parsed.text.replace("\r\n", "\n"))
    stripped = strip_quoted(text)
    text = stripped.text
    if not text.strip():
        raise InputError(f"{where}: no message text left after removing quoted replies and signature")
    if len(text) > max_chars:
        raise InputError(
            f"{where}: message is {len(text):,} characters, over the {max_chars:,} limit (max_input_chars); "
            "review the part you are sending"
        )
    ignore = tuple(dict.fromkeys(parsed.ignore + directives))
    notes = (*parsed.notes, *stripped.notes)
    return ParsedInput(text=text, subject=parsed.subject, source=where, ignore=ignore, notes=notes)


def read_file_bytes(
    path: Path, *, max_bytes: int, where: str | None = None, mail_max_bytes: int | None = None
) -> bytes:
    """The bytes of one file, refused before reading when it is a folder, missing, unreadable or over `max_bytes`.

    `where` names the file in error messages (default: the path), e.g. as the user typed it. With `mail_max_bytes`,
    a file over `max_bytes` that starts as an email may be up to that size: its attachments count, its text is
    still held to `max_input_chars` (only a file that big is peeked at, so reading others costs nothing more).
    """
    where = where or str(path)
    try:
        status = os.stat(path)
        if stat.S_ISDIR(status.st_mode):
            raise InputError(f"{where}: is a directory; give a file (batch review takes folders)")
        size = status.st_size
        if size > max_bytes and mail_max_bytes is not None and size <= mail_max_bytes:
            with open(path, "rb") as handle:
                if looks_like_email(handle.read(65536)):
                    max_bytes = mail_max_bytes
        if size > max_bytes:
            raise InputError(f"{where}: file is {size:,} bytes, over the {max_bytes:,}-byte limit (max_input_bytes)")
        with open(path, "rb") as handle:
            # What its size says first (a read of the whole limit would allocate it, 2 MB, for every file), then,
            # if there is more (it grew; a pipe or a device such as /dev/zero has no size), on to just past the limit.
            data = handle.read(min(size, max_bytes) + 1)
            if len(data) > size:
                data += handle.read(max_bytes + 1 - len(data))
    except FileNotFoundError:
        raise InputError(f"{where}: no such file") from None
    except PermissionError:
        raise InputError(f"{where}: permission denied") from None
    except OSError as err:
        raise InputError(f"{where}: cannot read: {err.strerror}") from None
    if len(data) > max_bytes:  # it grew between stat and read
        raise over_limit(where, max_bytes)
    return data


def over_limit(where: str, max_bytes: int) -> InputError:
    return InputError(f"{where}: input is over the {max_bytes:,}-byte limit (max_input_bytes)")


def read_stdin_bytes(*, max_bytes: int) -> bytes:
    """Stdin's bytes, refused when over `max_bytes` (reading stops just past the limit)."""
    try:
        data = sys.stdin.buffer.read(max_bytes + 1)
    except (AttributeError, OSError, ValueError):  # stdin closed (`<&-`) or not readable
        raise InputError("<stdin>: cannot read standard input (is it closed?)") from None
    if len(data) > max_bytes:
        raise over_limit("<stdin>", max_bytes)
    return data


def read_source(source: str, *, max_bytes: int, max_chars: int, encoding: str | None = None) -> ParsedInput:
    """Read a path, or "-" for stdin, and parse it."""
    if source == "-":
        data = read_stdin_bytes(max_bytes=max_bytes)
        return parse_bytes(data, "<stdin>", max_chars=max_chars, encoding=encoding)
    path = Path(source)
    data = read_file_bytes(path, max_bytes=max_bytes, where=source)
    return parse_bytes(data, source, suffix=path.suffix.lower(), max_chars=max_chars, encoding=encoding)
