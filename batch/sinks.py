"""Where batch results go, safely: JSONL (default), CSV or SQLite, written as they come and resumable.

Safety against a kill at any moment (Ctrl-C, `kill -9`, a crash):

- JSONL and CSV: each chunk of results is one `os.write` of whole lines to a file opened for appending; a line is
  only ever torn by a kill in the middle of that write, and opening the file again cuts a torn last line off (that
  message was not recorded, so it is reviewed again). CSV fields never hold a newline (they are flattened), so
  "one line, one row" holds there too.
- SQLite: each chunk is one transaction (messages, scores, findings and missing elements together), with the
  rollback journal and `synchronous=FULL`; a kill mid-transaction leaves the database as it was before it.
  `key` is the primary key, so a message can never be recorded twice.

Messages that could not be read or reviewed go to their own place, with their reason: `<name>.errors.jsonl` (or
`.errors.csv`) beside a text output, the `errors` table in SQLite. Reopening an output yields what it already
holds (`recorded()`), which is how a resumed run knows what to skip and how the summary counts the whole batch.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from reviewer.atomic import USER_ONLY, private_file
from reviewer.batch import BATCH_SCHEMA, Result
from reviewer.errors import ConfigError

Format = Literal["jsonl", "csv", "sqlite"]
SUFFIX_FORMATS: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".db": "sqlite",
    ".sqlite": "sqlite",
    ".sqlite3": "sqlite",
}
SQLITE_VERSION = 1
"""`PRAGMA user_version` of a results database (the `1` of `candor.batch/1`)."""


def format_for(path: Path, given: str | None) -> Format:
    if given:
        if given not in ("jsonl", "csv", "sqlite"):
            raise ConfigError(f"--format must be jsonl, csv or sqlite, not {given!r}")
        return given  # type: ignore[return-value]
    suffix = path.suffix.lower()
    if suffix and suffix not in SUFFIX_FORMATS:
        # `--out results.parquet` wrote JSON Lines under a Parquet name: a reader expecting Parquet then fails far
        # from here. An unknown suffix is refused; no suffix at all is JSON Lines.
        known = ", ".join(sorted(SUFFIX_FORMATS))
        raise ConfigError(f"--out {path.name}: unknown results format {suffix!r} (use {known}, or --format)")
    return SUFFIX_FORMATS.get(suffix, "jsonl")


class Sink(Protocol):
    """An output that records results and can list what it already holds."""

    path: Path

    def recorded(self) -> Iterator[Result]:
        """What earlier runs recorded (reviewed and failed), as results (some fields may be absent)."""
        ...

    def write(self, results: Sequence[Result]) -> None:
        """Record these results durably, all or (after a kill) none of each one."""
        ...

    def close(self) -> None: ...


def errors_path(path: Path, suffix: str) -> Path:
    return path.with_name(path.stem + ".errors" + suffix)


def _repair_torn_tail(path: Path) -> None:
    """Cut off a last line that a kill left without its newline (it was never fully recorded)."""
    if not path.exists():
        return
    with path.open("r+b") as file:
        size = file.seek(0, os.SEEK_END)
        if size == 0:
            return
        file.seek(size - 1)
        if file.read(1) == b"\n":
            return
        position = size
        step = 65536
        while position > 0:
            start = max(0, position - step)
            file.seek(start)
            chunk = file.read(position - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                file.truncate(start + newline + 1)
                return
            position = start
        file.truncate(0)


class _AppendFile:
    """A file that grows by whole lines, one `os.write` per call (looping only on a short write)."""

    def __init__(self, path: Path) -> None:
        _repair_torn_tail(path)
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, USER_ONLY)
        private_file(path)  # results quote the messages: an output from an older run is tightened too

    def is_empty(self) -> bool:
        return os.fstat(self.fd).st_size == 0

    def append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]

    def close(self) -> None:
        os.close(self.fd)


class JsonlSink:
    """Results as JSON Lines (one `candor.batch/1` object per line), failures in `<name>.errors.jsonl`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors_path = errors_path(path, ".jsonl")
        self._results = _AppendFile(path)
        self._errors = _AppendFile(self.errors_path)

    def recorded(self) -> Iterator[Result]:
        for path in (self.path, self.errors_path):
            with path.open("rb") as file:
                for n, line in enumerate(file, 1):
                    if not line.strip():
                        continue
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError:
                        raise ConfigError(f"{path}:{n}: not a results line; give another --out") from None

    @staticmethod
    def encode(result: Result) -> str:
        """The line of one result: what a worker process can make itself, so the parent only writes it."""
        return json.dumps(result, ensure_ascii=False) + "\n"

    def write(self, results: Sequence[Result]) -> None:
        self.write_encoded([(r["status"], self.encode(r)) for r in results])

    def write_encoded(self, lines: Sequence[tuple[str, str]]) -> None:
        """Record results already encoded (`encode`), as (status, line): one write per file, as `write` does."""
        for status, file in (("reviewed", self._results), ("failed", self._errors)):
            chunk = "".join([line for line_status, line in lines if line_status == status])
            if chunk:
                file.append(chunk.encode("utf-8", "surrogateescape"))

    def close(self) -> None:
        self._results.close()
        self._errors.close()


RESULT_COLUMNS = (
    "key", "id", "source", "date", "author", "recipients", "client", "subject", "situation", "engine", "rubric",
    "verdict", "overall",
)  # fmt: skip
ERROR_COLUMNS = ("key", "id", "source", "stage", "exit_code", "error")


def _flat(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


class CsvSink:
    """Results as a CSV table (one row per message: metadata, verdict, overall, one column per dimension, the
    finding rules and missing ids), failures in `<name>.errors.csv`. No field holds a newline."""

    def __init__(self, path: Path, dimensions: Sequence[str]) -> None:
        self.path = path
        self.errors_path = errors_path(path, ".csv")
        self.columns = (*RESULT_COLUMNS, *(f"score_{d}" for d in dimensions), "findings", "missing", "schema")
        self._results = _AppendFile(path)
        self._errors = _AppendFile(self.errors_path)
        for file, columns in ((self._results, self.columns), (self._errors, (*ERROR_COLUMNS, "schema"))):
            if file.is_empty():
                file.append(self._line(columns))
        header = path.open(encoding="utf-8").readline().rstrip("\r\n").split(",")
        if header != list(self.columns):
            raise ConfigError(f"{path}: holds results with other columns (another rubric?); give another --out")

    @staticmethod
    def _line(fields: Sequence[str]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(fields)
        return buffer.getvalue().encode("utf-8", "surrogateescape")

    def recorded(self) -> Iterator[Result]:
        for path, status in ((self.path, "reviewed"), (self.errors_path, "failed")):
            with path.open(encoding="utf-8", newline="", errors="surrogateescape") as file:
                for row in csv.DictReader(file):
                    result: Result = {"status": status, **row}
                    if status == "failed":
                        result["exit_code"] = int(row.get("exit_code") or 2)
                    yield result

    def _row(self, result: Result) -> list[str]:
        if result["status"] == "failed":
            return [_flat(result.get(c)) for c in ERROR_COLUMNS] + [BATCH_SCHEMA]
        scores = result.get("scores") or {}
        fields = [_flat(result.get(c)) for c in RESULT_COLUMNS]
        fields += [_flat(scores.get(c.removeprefix("score_"))) for c in self.columns if c.startswith("score_")]
        fields.append(_flat([f["rule"] for f in result.get("findings") or ()]))
        fields.append(_flat([m["id"] for m in result.get("missing") or ()]))
        return [*fields, BATCH_SCHEMA]

    def write(self, results: Sequence[Result]) -> None:
        for status, file in (("reviewed", self._results), ("failed", self._errors)):
            rows = [self._line(self._row(r)) for r in results if r["status"] == status]
            if rows:
                file.append(b"".join(rows))

    def close(self) -> None:
        self._results.close()
        self._errors.close()


SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  key TEXT PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL, date TEXT, author TEXT, recipients TEXT,
  client TEXT, subject TEXT, situation TEXT, engine TEXT NOT NULL, rubric TEXT NOT NULL,
  verdict TEXT NOT NULL, overall REAL NOT NULL, text TEXT NOT NULL, cached INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0, cost_usd REAL
);
CREATE TABLE IF NOT EXISTS scores (
  key TEXT NOT NULL REFERENCES messages(key), dimension TEXT NOT NULL, score INTEGER NOT NULL,
  PRIMARY KEY (key, dimension)
);
CREATE TABLE IF NOT EXISTS findings (
  key TEXT NOT NULL REFERENCES messages(key), n INTEGER NOT NULL, rule TEXT NOT NULL, family TEXT NOT NULL,
  dimension TEXT NOT NULL, severity TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
  quote TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (key, n)
);
CREATE TABLE IF NOT EXISTS missing (
  key TEXT NOT NULL REFERENCES messages(key), id TEXT NOT NULL, dimension TEXT NOT NULL, severity TEXT NOT NULL,
  message TEXT NOT NULL, PRIMARY KEY (key, id)
);
CREATE TABLE IF NOT EXISTS errors (
  key TEXT PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL, stage TEXT NOT NULL, exit_code INTEGER NOT NULL,
  error TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_verdict ON messages (verdict);
CREATE INDEX IF NOT EXISTS messages_date ON messages (date);
CREATE INDEX IF NOT EXISTS messages_author ON messages (author);
CREATE INDEX IF NOT EXISTS messages_client ON messages (client);
CREATE INDEX IF NOT EXISTS scores_dimension ON scores (dimension, score);
CREATE INDEX IF NOT EXISTS findings_rule ON findings (rule);
CREATE INDEX IF NOT EXISTS findings_dimension ON findings (dimension, severity);
CREATE INDEX IF NOT EXISTS missing_id ON missing (id);
"""
"""The results database, `candor.batch/1` (README: "The SQLite schema"); `PRAGMA user_version` is 1."""


class SqliteSink:
    """Results in a SQLite database: `messages`, `scores`, `findings`, `missing`, `errors`, with indexes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, USER_ONLY))  # SQLite gives its journal the same mode
            private_file(path)
        except OSError as err:
            raise ConfigError(f"{path}: cannot open the results database: {err.strerror}") from None
        try:
            self.db = sqlite3.connect(path, isolation_level=None)
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            tables = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as err:
            raise ConfigError(f"{path}: not a results database ({err}); give another --out") from None
        if tables and version != SQLITE_VERSION:
            raise ConfigError(f"{path}: not a {BATCH_SCHEMA} results database (user_version {version})")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(f"BEGIN; {SQLITE_SCHEMA} PRAGMA user_version={SQLITE_VERSION}; COMMIT;")
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (BATCH_SCHEMA,))

    def recorded(self) -> Iterator[Result]:
        for key, verdict in self.db.execute("SELECT key, verdict FROM messages"):
            yield {"status": "reviewed", "key": key, "verdict": verdict}
        for key, exit_code, stage in self.db.execute("SELECT key, exit_code, stage FROM errors"):
            yield {"status": "failed", "key": key, "exit_code": exit_code, "stage": stage}

    def write(self, results: Sequence[Result]) -> None:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            for r in results:
                if r["status"] == "failed":
                    db.execute(
                        "INSERT OR REPLACE INTO errors VALUES (?, ?, ?, ?, ?, ?)",
                        (r["key"], r["id"], r["source"], r["stage"], r["exit_code"], r["error"]),
                    )
                    continue
                db.execute("DELETE FROM errors WHERE key=?", (r["key"],))  # an engine failure, retried: now done
                db.execute(
                    "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        r["key"], r["id"], r["source"], r["date"], r["author"], json.dumps(r["recipients"]),
                        r["client"], r["subject"], r["situation"], r["engine"], r["rubric"], r["verdict"],
                        r["overall"], r["text"], int(r["cached"]), r["prompt_tokens"], r["completion_tokens"],
                        r["cost_usd"],
                    ),
                )  # fmt: skip
                db.executemany(
                    "INSERT INTO scores VALUES (?, ?, ?)", [(r["key"], d, s) for d, s in r["scores"].items()]
                )
                db.executemany(
                    "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (r["key"], n, f["rule"], f["rule"].split("-", 1)[0], f["dimension"], f["severity"],
                         f["start"], f["end"], f["quote"], f["message"])
                        for n, f in enumerate(r["findings"], 1)
                    ],
                )  # fmt: skip
                db.executemany(
                    "INSERT OR IGNORE INTO missing VALUES (?, ?, ?, ?, ?)",
                    [(r["key"], m["id"], m["dimension"], m["severity"], m["message"]) for m in r["missing"]],
                )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


def open_sink(path: Path, fmt: Format, dimensions: Sequence[str]) -> Sink:
    try:
        if fmt == "sqlite":
            return SqliteSink(path)
        if fmt == "csv":
            return CsvSink(path, dimensions)
        return JsonlSink(path)
    except OSError as err:
        raise ConfigError(f"{path}: cannot write results: {err.strerror}") from None


def read_results(path: Path) -> Iterator[Result]:
    """Every full result a JSONL or SQLite output holds (reviewed and failed), for the report."""
    fmt = format_for(path, None)
    if not path.exists():
        raise ConfigError(f"{path}: no such results file")
    if fmt == "sqlite":
        yield from _sqlite_results(path)
        return
    if fmt == "csv":
        raise ConfigError(f"{path}: the report reads JSONL or SQLite results (CSV holds no texts or quotes)")
    reviewed: set[str] = set()
    failed: dict[str, Result] = {}
    for source in (path, errors_path(path, ".jsonl")):
        if not source.exists():
            continue
        with source.open("rb") as file:
            for n, line in enumerate(file, 1):
                if not line.strip():
                    continue
                try:
                    result = json.loads(line)
                except json.JSONDecodeError:
                    if not line.endswith(b"\n"):
                        break  # a torn last line of a run that was killed: not a result
                    raise ConfigError(f"{source}:{n}: not a results line") from None
                if not isinstance(result, dict) or "status" not in result:
                    raise ConfigError(f"{source}:{n}: not a {BATCH_SCHEMA} result")
                if result["status"] == "reviewed":
                    reviewed.add(str(result.get("key")))
                    yield result
                else:  # an engine failure retried by a later run is recorded again: the last word counts
                    failed[str(result.get("key"))] = result
    yield from (r for key, r in failed.items() if key not in reviewed)


def _sqlite_results(path: Path) -> Iterator[Result]:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM messages ORDER BY rowid").fetchall()
    except sqlite3.DatabaseError as err:
        raise ConfigError(f"{path}: not a results database ({err})") from None
    try:
        for row in rows:
            key = row["key"]
            result: Result = {"schema": BATCH_SCHEMA, "status": "reviewed", **dict(row)}
            result["recipients"] = json.loads(row["recipients"] or "[]")
            result["cached"] = bool(row["cached"])
            result["scores"] = dict(
                db.execute("SELECT dimension, score FROM scores WHERE key=? ORDER BY rowid", (key,)).fetchall()
            )
            result["findings"] = [
                {k: f[k] for k in ("rule", "dimension", "severity", "start", "end", "quote", "message")}
                for f in db.execute("SELECT * FROM findings WHERE key=? ORDER BY n", (key,))
            ]
            result["missing"] = [
                {k: m[k] for k in ("id", "dimension", "severity", "message")}
                for m in db.execute("SELECT * FROM missing WHERE key=?", (key,))
            ]
            yield result
        for row in db.execute("SELECT * FROM errors ORDER BY rowid"):
            yield {"schema": BATCH_SCHEMA, "status": "failed", **dict(row)}
    finally:
        db.close()
