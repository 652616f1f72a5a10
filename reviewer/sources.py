"""Messages from any source, as a stream: `iter_messages(["draft.txt", "-", "replies/"], options)`.

Every front end reads through here, so `candor check`, batch review, the mail wrapper and the editor server refuse
and strip exactly the same things (the parsing itself is `reviewer.inputs`): a source is a path to a .txt, .md or
.eml file, "-" for stdin, or a folder, whose message files are read in name order (recursively, skipping hidden
names and files without a known suffix). Each message comes with the bytes it was read from (`raw`), untouched, for
a front end that must hand the message on as it came (the sendmail wrapper reviews the text and pipes the raw bytes
on); `ReadOptions(whole_stdin=True)` makes sure stdin's bytes are all read, however large.

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

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, overload

from reviewer.config import Settings
from reviewer.errors import InputError
from reviewer.inputs import (
    EMAIL_SUFFIXES,
    TEXT_SUFFIXES,
    ParsedInput,
    over_limit,
    parse_bytes,
    read_file_bytes,
    read_stdin_bytes,
)
from reviewer.models import Message

STDIN = "-"
STDIN_NAME = "<stdin>"


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

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        encoding: str | None = None,
        situation: str | None = None,
        client: str | None = None,
        whole_stdin: bool = False,
    ) -> ReadOptions:
        """The limits in force (`max_input_bytes`, `max_input_chars`) with the per-run choices."""
        return cls(
            max_bytes=settings.max_input_bytes,
            max_chars=settings.max_input_chars,
            encoding=encoding,
            situation=situation,
            client=client,
            whole_stdin=whole_stdin,
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


@dataclass(frozen=True)
class Refused:
    """A source that is not a reviewable message, in the stream where its message would have been."""

    where: str
    error: InputError
    raw: bytes | None = None
    """What was read before it was refused (None when it was refused unread: missing, a folder, too large)."""


Item = SourceMessage | Refused
Reader = Callable[[Path, str, ReadOptions], Iterator[Item]]
"""Turns one file into messages: (path, where as the user named it, options) -> messages or refusals."""


def message_from_bytes(raw: bytes, where: str, options: ReadOptions, *, suffix: str = "") -> Item:
    """Parse one message's bytes (text, Markdown or RFC 822) under the options; a bad one is `Refused`."""
    try:
        parsed = parse_bytes(raw, where, suffix=suffix, max_chars=options.max_chars, encoding=options.encoding)
    except InputError as err:
        return Refused(where, err, raw)
    return _message(parsed, where, raw, options)


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
        notes=parsed.notes,
    )
    return SourceMessage(where=where, message=message, raw=raw, subject=parsed.subject)


def read_single_file(path: Path, where: str, options: ReadOptions) -> Iterator[Item]:
    """The reader of .txt, .md and .eml files (and of any explicitly named file no reader claims)."""
    try:
        raw = read_file_bytes(path, max_bytes=options.max_bytes, where=where)
    except InputError as err:
        yield Refused(where, err)
        return
    yield message_from_bytes(raw, where, options, suffix=path.suffix.lower())


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


def _folder_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        found += [
            Path(directory, name)
            for name in sorted(files)
            if not name.startswith(".") and Path(name).suffix.lower() in _READERS
        ]
    return found


def _read_folder(folder: Path, where: str, options: ReadOptions) -> Iterator[Item]:
    files = _folder_files(folder)
    if not files:
        suffixes = ", ".join(sorted(_READERS))
        yield Refused(where, InputError(f"{where}: folder holds no message files ({suffixes})"))
        return
    for path in files:
        name = os.path.join(where, os.path.relpath(path, folder))
        yield from _READERS[path.suffix.lower()](path, name, options)


def _items(sources: Iterable[str | Path], options: ReadOptions) -> Iterator[Item]:
    for source in sources:
        where = str(source)
        if where == STDIN:
            yield from _read_stdin(options)
            continue
        path = Path(source)
        if path.is_dir():
            yield from _read_folder(path, where, options)
            continue
        yield from _READERS.get(path.suffix.lower(), read_single_file)(path, where, options)


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
        if isinstance(item, Refused) and refused == "raise":
            raise item.error
        yield item
