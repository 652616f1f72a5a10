"""Read a message from a file or stdin into reviewable text, refusing what is not a message.

Side effects (reading files and stdin) live only in `read_source`; everything else is pure so batch and the TUI
reuse it. Rules: files over `max_bytes` are refused before they are read; text that is empty after stripping, that
holds NUL bytes, or that is not valid UTF-8 (or the charset an .eml declares) is refused with one line saying what
to do; .eml bodies prefer text/plain and turn HTML into text; quoted replies and signatures are stripped, because
the reviewer judges what the writer is about to send, not the thread below it.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
import sys
from dataclasses import dataclass
from email.message import EmailMessage, MIMEPart
from html.parser import HTMLParser
from pathlib import Path

from reviewer.errors import InputError
from reviewer.suppress import IGNORE_HEADER, extract_directives, split_names

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ""}
EMAIL_SUFFIXES = {".eml", ".msg822"}

_QUOTE_HEADER = re.compile(
    r"^(?:On .{4,200}(?:wrote|écrit|schrieb):\s*$|-{2,}\s*Original Message\s*-{2,}|_{5,}\s*$|"
    r"From:\s.+\n(?:.*\n){0,3}?(?:Sent|Date):\s)",
    re.MULTILINE | re.IGNORECASE,
)
_SIGNATURE = re.compile(
    r"^(?:-- ?$|Sent from my (?:iPhone|iPad|Android|mobile|phone|Galaxy).*$|Get Outlook for .*$)",
    re.MULTILINE | re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedInput:
    text: str
    subject: str | None = None
    source: str | None = None
    ignore: tuple[str, ...] = ()
    """Names from `<!-- candor: ignore ... -->` comments and an X-Candor-Ignore header (`reviewer.suppress`)."""


class _HTMLText(HTMLParser):
    """HTML mail to plain text: block elements become line breaks, scripts and styles are dropped."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag in {"script", "style", "head"}:
            self.skip += 1
        elif tag == "blockquote" or "gmail_quote" in classes:
            self.quote_depth += 1
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head"}:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip and not self.quote_depth:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(markup: str) -> str:
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quoted(text: str) -> str:
    """Drop the quoted thread, quoted lines and the signature, keeping what the writer wrote."""
    header = _QUOTE_HEADER.search(text)
    if header and text[: header.start()].strip():
        text = text[: header.start()]
    signature = _SIGNATURE.search(text)
    if signature and text[: signature.start()].strip():
        text = text[: signature.start()]
    kept = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(kept).strip()


def decode(data: bytes, where: str, charset: str | None = None) -> str:
    if b"\x00" in data[:8192]:
        raise InputError(f"{where}: looks binary (NUL bytes); give a text, Markdown or .eml file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode(charset or "utf-8")
    except (UnicodeDecodeError, LookupError):
        raise InputError(
            f"{where}: not valid {charset or 'UTF-8'} text; convert it first (e.g. iconv -f latin1 -t utf-8)"
        ) from None


def _is_attachment(part: MIMEPart) -> bool:
    return part.get_content_disposition() == "attachment"


def parse_email(data: bytes, where: str) -> ParsedInput:
    """The body of an RFC 822 message: text/plain preferred, else HTML turned into text."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None or _is_attachment(body):
        raise InputError(f"{where}: email has no text or HTML body to review")
    try:
        content = body.get_content()
    except (LookupError, UnicodeDecodeError):
        raise InputError(f"{where}: email body has an unknown or wrong charset") from None
    if not isinstance(content, str):
        raise InputError(f"{where}: email body is not text")
    if "\x00" in content:
        raise InputError(f"{where}: email body looks binary (NUL bytes)")
    text = html_to_text(content) if body.get_content_type() == "text/html" else content
    subject = message.get("subject")
    ignore = split_names(" ".join(str(v) for v in message.get_all(IGNORE_HEADER) or ()))
    return ParsedInput(text=text, subject=str(subject) if subject else None, source=where, ignore=ignore)


def looks_like_email(data: bytes) -> bool:
    head = data[:2048].decode("utf-8", "replace")
    return (
        re.match(r"(?:[A-Za-z-]+:[^\n]*\n)+", head) is not None
        and re.search(r"^(?:From|Subject|Message-ID|Content-Type|MIME-Version):", head, re.MULTILINE | re.IGNORECASE)
        is not None
        and "\n\n" in data[:65536].decode("utf-8", "replace").replace("\r\n", "\n")
    )


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
        if "<html" in text[:2000].lower() or "<body" in text[:2000].lower():
            text = html_to_text(text)
        parsed = ParsedInput(text=text, source=where)
    text, directives = extract_directives(parsed.text.replace("\r\n", "\n"))
    text = strip_quoted(text)
    if not text.strip():
        raise InputError(f"{where}: no message text left after removing quoted replies and signature")
    if len(text) > max_chars:
        raise InputError(
            f"{where}: message is {len(text):,} characters, over the {max_chars:,} limit (max_input_chars); "
            "review the part you are sending"
        )
    ignore = tuple(dict.fromkeys(parsed.ignore + directives))
    return ParsedInput(text=text, subject=parsed.subject, source=where, ignore=ignore)


def read_file_bytes(path: Path, *, max_bytes: int, where: str | None = None) -> bytes:
    """The bytes of one file, refused before reading when it is a folder, missing, unreadable or over `max_bytes`.

    `where` names the file in error messages (default: the path), e.g. as the user typed it.
    """
    where = where or str(path)
    try:
        if path.is_dir():
            raise InputError(f"{where}: is a directory; give a file (batch review takes folders)")
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{where}: file is {size:,} bytes, over the {max_bytes:,}-byte limit (max_input_bytes)")
        data = path.read_bytes()
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
    data = sys.stdin.buffer.read(max_bytes + 1)
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
