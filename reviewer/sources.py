"""Messages from any source, as a stream: `iter_messages(["draft.txt", "-", "replies/"], options)`.

Every front end reads through here, so `candor check`, batch review, the mail wrapper and the editor server refuse
and strip exactly the same things (the parsing itself is `reviewer.inputs`): a source is a path to a .txt, .md or
.eml file, "-" for stdin, or a folder, whose message files are read in name order (recursively, skipping hidden
names and files without a known suffix; in a Maildir, every file of `cur` and `new` is a mail). Containers (mbox,
JSONL, CSV) are read message by message by the readers at the end of this module. Each message comes with the
bytes it was read from (`raw`), untouched, for a front end that must hand the message on as it came (the sendmail
wrapper reviews the text and pipes the raw bytes on); `ReadOptions(whole_stdin=True)` makes sure stdin's bytes are
all read, however large.

Bad input never ends a stream silently: with `refused="raise"` (for one draft) the first bad source raises its
`InputError`; with `refused="yield"` (for batch) it is yielded as a `Refused` in its place and the stream goes on.
A folder with no message in it is refused too, so a run over it cannot pass as "nothing wrong".

Adding an input format (the extension point): a reader turns one file into messages and is registered by suffix,

    def read_mbox(path: Path, where: str, options: ReadOptions) -> Iterator[SourceMessage | Refused]:
        for n, raw in enumerate(split_mbox(path), 1):            # stream: never the whole archive in memory
            yield message_from_bytes(raw, f"{where}#{n}", options)

    register_reader(".mbox", read_mbox)

after which explicit paths and folder walks both pick it up. A container reader (mbox, JSONL, CSV) applies
`options.max_bytes` to each message rather than to the whole file, names each message `file#n` (or by a row id),
and may set a message's situation or client from the row; `message_from_bytes` and `message_from_text` build what
it yields. Stdin is read as one message.
"""

from __future__ import annotations

import csv
import email.parser
import email.policy
import email.utils
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, overload

from reviewer.config import Settings
from reviewer.errors import InputError
from reviewer.inputs import (
    EMAIL_SUFFIXES,
    TEXT_SUFFIXES,
    ParsedInput,
    looks_like_email,
    over_limit,
    parse_bytes,
    read_file_bytes,
    read_stdin_bytes,
)
from reviewer.models import Message

STDIN = "-"
STDIN_NAME = "<stdin>"


@dataclass(frozen=True)
class Columns:
    """Which fields of a JSONL record or CSV row hold what (`--text-col`, `--id-col`, ...); None: not in the rows."""

    text: str = "text"
    id: str | None = None
    date: str | None = None
    author: str | None = None
    client: str | None = None


@dataclass(frozen=True)
class ReadOptions:
    """How sources are read; the limits default to the settings' defaults (`from_settings` takes those in force)."""

    max_bytes: int = Settings.max_input_bytes
    """A single-message file over this is refused before it is read (`max_input_bytes`)."""
    max_chars: int = Settings.max_input_chars
    """A message body over this, after stripping, is refused (`max_input_chars`)."""
    encoding: str | None = None
    """Text encoding of .txt/.md input that is not UTF-8; an .eml's declared charset is honoured anyway."""
    situation: str | None = None
    """Given to every message read (None lets the engine infer it)."""
    client: str | None = None
    whole_stdin: bool = False
    """Read all of stdin even past `max_bytes` (and then refuse it), so `raw` always holds every byte of it."""
    columns: Columns = field(default_factory=Columns)
    """The fields of JSONL records and CSV rows."""

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        encoding: str | None = None,
        situation: str | None = None,
        client: str | None = None,
        whole_stdin: bool = False,
        columns: Columns | None = None,
    ) -> ReadOptions:
        """The limits in force (`max_input_bytes`, `max_input_chars`) with the per-run choices."""
        return cls(
            max_bytes=settings.max_input_bytes,
            max_chars=settings.max_input_chars,
            encoding=encoding,
            situation=situation,
            client=client,
            whole_stdin=whole_stdin,
            columns=columns or Columns(),
        )


@dataclass(frozen=True)
class SourceMessage:
    """One message read from a source, ready to review."""

    where: str
    """Where it came from, for reports: the path as given, "<stdin>", or `file#n` inside a container."""
    message: Message
    raw: bytes
    """The bytes it was read from, unchanged (for an .eml: the whole mail, headers and quoted thread included)."""
    subject: str | None = None
    id: str | None = None
    """The source's own id: an email's Message-ID, or a row's id column."""
    date: str | None = None
    """When it was sent (ISO 8601 when the source's date could be read as one, else as the source gave it)."""
    author: str | None = None
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refused:
    """A source that is not a reviewable message, in the stream where its message would have been."""

    where: str
    error: InputError
    raw: bytes | None = None
    """What was read before it was refused (None when it was refused unread: missing, a folder, too large)."""
    id: str | None = None
    """The row's own id (its id column), when a JSONL or CSV row with one was refused: what its failure is found by."""


Item = SourceMessage | Refused
Reader = Callable[[Path, str, ReadOptions], Iterator[Item]]
"""Turns one file into messages: (path, where as the user named it, options) -> messages or refusals."""


@dataclass(frozen=True)
class Unread:
    """A file of one message (a .txt, .md or .eml, a Maildir's mail), found but not read yet (`iter_work`): whoever
    reviews it reads it (`read`), so `candor batch`'s worker processes read and parse their own files while the
    process that walks the folders only lists them. Its `where` is the name its message or refusal gets."""

    path: str
    where: str
    reader: Reader

    def read(self, options: ReadOptions) -> Item:
        """Its message, or its refusal, exactly as `iter_messages` would have yielded it in its place."""
        return next(self.reader(Path(self.path), self.where, options))


def message_from_bytes(raw: bytes, where: str, options: ReadOptions, *, suffix: str = "") -> Item:
    """Parse one message's bytes (text, Markdown or RFC 822) under the options; a bad one is `Refused`."""
    try:
        parsed = parse_bytes(raw, where, suffix=suffix, max_chars=options.max_chars, encoding=options.encoding)
    except InputError as err:
        return Refused(where, err, raw)
    item = _message(parsed, where, raw, options)
    if _is_mail(raw, suffix):
        return _with_email_headers(item, raw)
    return item


def _with_email_headers(item: SourceMessage, raw: bytes) -> SourceMessage:
    """The message with the Message-ID, date, sender and recipients of its RFC 822 headers (what can be read)."""
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
        values = [str(value) for name in ("to", "cc") for value in headers.get_all(name) or ()]
        recipients = tuple(
            email.utils.formataddr(pair) for pair in email.utils.getaddresses(values) if pair[1] or pair[0]
        )
        return replace(
            item,
            id=str(headers["message-id"]).strip() if headers.get("message-id") else None,
            date=_iso_date(str(headers["date"])) if headers.get("date") else None,
            author=str(headers["from"]).strip() if headers.get("from") else None,
            recipients=recipients,
        )
    except Exception:  # noqa: BLE001 - a malformed header is not worth refusing a readable body for
        return item


def _iso_date(value: str) -> str:
    try:
        return email.utils.parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        return value.strip()


def message_from_text(text: str, where: str, options: ReadOptions, *, raw: bytes | None = None) -> Item:
    """One message already decoded (a JSONL or CSV field), stripped and limited like any other; `raw` defaults to
    the text's UTF-8 bytes (give the row's own bytes when a front end must hand them on)."""
    item = message_from_bytes(text.encode("utf-8"), where, replace(options, encoding="utf-8"), suffix=".txt")
    return item if raw is None else replace(item, raw=raw)


def _message(parsed: ParsedInput, where: str, raw: bytes, options: ReadOptions) -> SourceMessage:
    message = Message(
        text=parsed.text,
        situation=options.situation,
        client=options.client,
        source=parsed.source,
        ignore=parsed.ignore,
        notes=parsed.notes,
    )
    return SourceMessage(where=where, message=message, raw=raw, subject=parsed.subject)


MAX_MAIL_BYTES = 50_000_000
"""A mail is read whole, attachments and all, so its byte limit is far above `max_input_bytes` (2 MB): a Sent folder's
mail with a 3 MB attachment is an ordinary message, and what is reviewed, its text, is still held to
`max_input_chars`."""


def mail_limit(max_bytes: int) -> int:
    """The byte limit of a whole mail, given `max_input_bytes`: the one limit every mail reader uses (check, batch,
    the git hook and the sendmail wrapper)."""
    return max(max_bytes, MAX_MAIL_BYTES)


def _is_mail(raw: bytes, suffix: str) -> bool:
    return suffix in EMAIL_SUFFIXES or (suffix not in TEXT_SUFFIXES - {""} and looks_like_email(raw))


def read_single_file(path: Path, where: str, options: ReadOptions) -> Iterator[Item]:
    """The reader of .txt, .md and .eml files (and of any explicitly named file no reader claims, a Maildir's)."""
    suffix = path.suffix.lower()
    limit = mail_limit(options.max_bytes) if suffix not in TEXT_SUFFIXES - {""} else None
    try:
        raw = read_file_bytes(path, max_bytes=options.max_bytes, where=where, mail_max_bytes=limit)
    except InputError as err:
        yield Refused(where, err)
        return
    yield message_from_bytes(raw, where, options, suffix=suffix)


_READERS: dict[str, Reader] = {suffix: read_single_file for suffix in (TEXT_SUFFIXES - {""}) | EMAIL_SUFFIXES}


def register_reader(suffix: str, reader: Reader) -> None:
    """Read files ending in `suffix` (".mbox", ".jsonl", ...; case-insensitive) with `reader`, in folders too."""
    if not suffix.startswith(".") or suffix == ".":
        raise ValueError(f"reader suffix must look like '.mbox', not {suffix!r}")
    _READERS[suffix.lower()] = reader


def known_suffixes() -> frozenset[str]:
    """Suffixes a folder walk picks up."""
    return frozenset(_READERS)


def _read_stdin(options: ReadOptions) -> Iterator[Item]:
    if options.whole_stdin:
        # Stdin cannot be read twice: a front end that hands the message on needs every byte, even of one refused.
        raw = sys.stdin.buffer.read()
        if len(raw) > options.max_bytes:
            yield Refused(STDIN_NAME, over_limit(STDIN_NAME, options.max_bytes), raw)
            return
    else:
        try:
            raw = read_stdin_bytes(max_bytes=options.max_bytes)
        except InputError as err:
            yield Refused(STDIN_NAME, err)
            return
    yield message_from_bytes(raw, STDIN_NAME, options)


MAILDIR_PARTS = frozenset({"cur", "new", "tmp"})


def _is_maildir_part(directory: str) -> bool:
    """`cur` or `new` of a Maildir (mutt, offlineimap, Dovecot): its files are mails, named without a suffix."""
    path = Path(directory)
    return path.name in ("cur", "new") and all((path.parent / part).is_dir() for part in MAILDIR_PARTS)


def _folder_files(folder: Path) -> list[tuple[Path, Reader]]:
    found: list[tuple[Path, Reader]] = []
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        if MAILDIR_PARTS <= set(subdirs):
            subdirs.remove("tmp")  # mail still being delivered
        maildir = _is_maildir_part(directory)
        for name in sorted(files):
            if name.startswith("."):
                continue
            if maildir:
                found.append((Path(directory, name), read_maildir_file))
            elif Path(name).suffix.lower() in _READERS:
                found.append((Path(directory, name), _READERS[Path(name).suffix.lower()]))
    return found


def read_maildir_file(path: Path, where: str, options: ReadOptions) -> Iterator[Item]:
    """One mail of a Maildir's `cur` or `new`, read as an .eml whatever its name (and held to a mail's limit)."""
    try:
        limit = mail_limit(options.max_bytes)
        raw = read_file_bytes(path, max_bytes=options.max_bytes, where=where, mail_max_bytes=limit)
    except InputError as err:
        yield Refused(where, err)
        return
    yield message_from_bytes(raw, where, options, suffix=".eml")


def _read_folder(folder: Path, where: str, options: ReadOptions, *, defer: bool) -> Iterator[Item | Unread]:
    files = _folder_files(folder)
    if not files:
        suffixes = ", ".join(sorted(_READERS))
        yield Refused(where, InputError(f"{where}: folder holds no message files ({suffixes}, or a Maildir)"))
        return
    for path, reader in files:
        name = os.path.join(where, os.path.relpath(path, folder))
        yield from _read(path, name, reader, options, defer=defer)


ONE_MESSAGE_READERS: frozenset[Reader] = frozenset({read_single_file, read_maildir_file})
"""Readers that turn a file into exactly one message, so its reading can be left to whoever reviews it."""


def _read(path: Path, where: str, reader: Reader, options: ReadOptions, *, defer: bool) -> Iterator[Item | Unread]:
    if defer and reader in ONE_MESSAGE_READERS and where != STDIN_NAME:  # stdin's name is keyed by its content
        yield Unread(str(path), where, reader)
    else:
        yield from reader(path, where, options)


def _items(sources: Iterable[str | Path], options: ReadOptions, *, defer: bool = False) -> Iterator[Item | Unread]:
    for source in sources:
        where = str(source)
        if where == STDIN:
            yield from _read_stdin(options)
            continue
        path = Path(source)
        if path.is_dir():
            yield from _read_folder(path, where, options, defer=defer)
            continue
        yield from _read(path, where, _READERS.get(path.suffix.lower(), read_single_file), options, defer=defer)


@overload
def iter_messages(
    sources: Iterable[str | Path], options: ReadOptions, *, refused: Literal["raise"] = "raise"
) -> Iterator[SourceMessage]: ...
@overload
def iter_messages(
    sources: Iterable[str | Path], options: ReadOptions, *, refused: Literal["yield"]
) -> Iterator[Item]: ...
def iter_messages(
    sources: Iterable[str | Path], options: ReadOptions, *, refused: Literal["raise", "yield"] = "raise"
) -> Iterator[Item]:
    """Every message in `sources`, in order, read lazily (one at a time: a long folder never sits in memory)."""
    for item in _items(sources, options):
        assert not isinstance(item, Unread)
        if isinstance(item, Refused) and refused == "raise":
            raise item.error
        yield item


def iter_work(sources: Iterable[str | Path], options: ReadOptions) -> Iterator[Item | Unread]:
    """What `iter_messages(sources, options, refused="yield")` yields, in the same order, except that a file of
    one message is an `Unread` in its place: its reading (`Unread.read`) is left to whoever reviews it."""
    return _items(sources, options, defer=True)


# Container readers: one file, many messages, read as a stream (an archive larger than memory is fine), with
# `max_bytes` applied to each message. A bad message or row is refused in its place; the rest is still read.


def _open_container(path: Path, where: str) -> Iterator[Item] | None:
    """A refusal for a container that cannot be opened at all (missing, a folder, unreadable), else None."""
    try:
        if path.is_dir():
            return iter([Refused(where, InputError(f"{where}: is a directory; give a file or name the folder"))])
        with path.open("rb"):
            return None
    except FileNotFoundError:
        return iter([Refused(where, InputError(f"{where}: no such file"))])
    except PermissionError:
        return iter([Refused(where, InputError(f"{where}: permission denied"))])
    except OSError as err:
        return iter([Refused(where, InputError(f"{where}: cannot read: {err.strerror}"))])


def _bounded_lines(stream: Iterable[bytes], limit: int) -> Iterator[tuple[bytes, bool]]:
    """Lines (with their ending) and whether each one fits `limit`; an over-long line is skipped, not kept."""
    for line in stream:
        yield (line, True) if len(line) <= limit else (b"", False)


def _too_large(where: str, max_bytes: int) -> Refused:
    return Refused(where, InputError(f"{where}: message is over the {max_bytes:,}-byte limit (max_input_bytes)"))


def read_mbox(path: Path, where: str, options: ReadOptions) -> Iterator[Item]:
    """An mbox archive (Thunderbird, mutt, Gmail Takeout): each "From " line after a blank line starts a message;
    mboxrd's ">From " escapes are undone."""
    refused = _open_container(path, where)
    if refused is not None:
        yield from refused
        return
    with path.open("rb") as stream:
        first = stream.readline(1024)
        if not first.startswith(b"From "):
            yield Refused(where, InputError(f"{where}: not an mbox file (it does not start with a 'From ' line)"))
            return
        n = 1
        lines: list[bytes] = []
        size = 0
        previous_blank = True
        for line in stream:
            if line.startswith(b"From ") and previous_blank:
                yield _mbox_message(lines, size, f"{where}#{n}", options)
                n, lines, size = n + 1, [], 0
                previous_blank = False
                continue
            previous_blank = line in (b"\n", b"\r\n")
            size += len(line)
            if size <= mail_limit(options.max_bytes):
                lines.append(line[1:] if line.lstrip(b">").startswith(b"From ") and line.startswith(b">") else line)
            else:
                lines = []
        yield _mbox_message(lines, size, f"{where}#{n}", options)


def _mbox_message(lines: list[bytes], size: int, where: str, options: ReadOptions) -> Item:
    if size > mail_limit(options.max_bytes):
        return _too_large(where, mail_limit(options.max_bytes))
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]  # the blank line that separates it from the next "From "
    return message_from_bytes(b"".join(lines), where, options, suffix=".eml")


def _row_message(row: Mapping[str, object], where: str, raw: bytes, options: ReadOptions, *, kind: str) -> Item:
    """One JSONL record or CSV row as a message, its metadata taken from the configured columns."""
    columns = options.columns

    def field_(name: str | None) -> str | None:
        value = row.get(name) if name else None
        return None if value is None or str(value).strip() == "" else str(value).strip()

    row_id = field_(columns.id)
    text = row.get(columns.text)
    if text is None:
        error = InputError(f"{where}: {kind} has no {columns.text!r} field (choose one with --text-col)")
        return Refused(where, error, id=row_id)
    if not isinstance(text, str):
        return Refused(where, InputError(f"{where}: field {columns.text!r} is not text"), id=row_id)
    if any("\udc80" <= c <= "\udcff" for c in text):  # bytes the encoding could not read (surrogateescape)
        return Refused(where, InputError(f"{where}: not valid UTF-8 text; give --encoding (e.g. latin-1)"), id=row_id)
    item = message_from_text(text, where, options, raw=raw)
    if isinstance(item, Refused):
        return replace(item, id=row_id)

    client = field_(columns.client)
    message = item.message if client is None else item.message.model_copy(update={"client": client})
    date = field_(columns.date)
    return replace(
        item,
        message=message,
        id=row_id,
        date=_iso_date(date) if date else None,
        author=field_(columns.author),
    )


def read_jsonl(path: Path, where: str, options: ReadOptions) -> Iterator[Item]:
    """JSON Lines: one object per line (blank lines skipped), the text in `options.columns.text`."""
    refused = _open_container(path, where)
    if refused is not None:
        yield from refused
        return
    with path.open("rb") as stream:
        for n, (line, fits) in enumerate(_bounded_lines(stream, options.max_bytes), 1):
            here = f"{where}#{n}"
            if not fits:
                yield _too_large(here, options.max_bytes)
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError:
                yield Refused(here, InputError(f"{here}: not valid UTF-8 (JSON Lines must be UTF-8)"), line)
                continue
            except json.JSONDecodeError as err:
                yield Refused(here, InputError(f"{here}: not valid JSON: {err.msg} at column {err.colno}"), line)
                continue
            except RecursionError:  # [[[[... thousands deep: Python's decoder gives up, and so does this line
                yield Refused(here, InputError(f"{here}: JSON nested too deeply to read"), line)
                continue
            if not isinstance(record, dict):
                yield Refused(
                    here, InputError(f"{here}: a JSON object was expected, not {type(record).__name__}"), line
                )
                continue
            yield _row_message(record, here, line, options, kind="record")


def read_csv(path: Path, where: str, options: ReadOptions) -> Iterator[Item]:
    """CSV with a header row (a help-desk export): the text column is `options.columns.text`; `--encoding` is
    honoured; a row that is not valid in that encoding is refused on its own."""
    refused = _open_container(path, where)
    if refused is not None:
        yield from refused
        return
    encoding = options.encoding or "utf-8"
    csv.field_size_limit(max(csv.field_size_limit(), options.max_bytes))
    with path.open("rb") as stream:
        lines = (
            line.decode(encoding, "surrogateescape").removeprefix("\ufeff")
            if n == 0
            else line.decode(encoding, "surrogateescape")
            for n, line in enumerate(stream)
        )
        try:
            # strict: a quote left open swallowed every later row into one message, without a word; now it is a
            # read error of that row, recorded like any other.
            reader = csv.DictReader(lines, strict=True)
            header = reader.fieldnames
        except (csv.Error, LookupError) as err:
            yield Refused(where, InputError(f"{where}: not a readable CSV file: {err}"))
            return
        if not header:
            yield Refused(where, InputError(f"{where}: empty CSV file: nothing to review"))
            return
        wanted = [
            c
            for c in (
                options.columns.text,
                options.columns.id,
                options.columns.date,
                options.columns.author,
                options.columns.client,
            )
            if c
        ]
        absent = [c for c in wanted if c not in header]
        if absent:
            names = ", ".join(h for h in header if h)
            yield Refused(where, InputError(f"{where}: no column {absent[0]!r} (columns: {names})"))
            return
        n = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                n += 1
                why = "a quoted field is never closed" if "unexpected end of data" in str(err) else str(err)
                yield Refused(f"{where}#{n}", InputError(f"{where}#{n}: malformed CSV row: {why}"))
                continue
            n += 1
            here = f"{where}#{n}"
            if None in row:  # more fields than the header: an unquoted comma shifted them, so no column is sure
                fields = len(header) + len(row[None])
                error = InputError(f"{here}: malformed CSV row: {fields} fields, the header has {len(header)}")
                first = options.columns.id and row.get(options.columns.id)
                yield Refused(here, error, id=str(first).strip() or None if first else None)
                continue
            text = row.get(options.columns.text) or ""
            if len(text) > options.max_bytes:
                yield _too_large(here, options.max_bytes)
                continue
            yield _row_message(row, here, text.encode("utf-8", "surrogateescape"), options, kind="row")


register_reader(".mbox", read_mbox)
register_reader(".mbx", read_mbox)
register_reader(".jsonl", read_jsonl)
register_reader(".ndjson", read_jsonl)
register_reader(".csv", read_csv)
