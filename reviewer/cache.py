"""The review cache: SQLite in the user cache directory, private to the user, keyed on what changes the output.

The key is a sha256 over everything that can change a model's review (engine, base URL, model, sampling settings,
structured-output mode, token budget, prompt-files hash, rubric hash, Candor's version, the message text and its
context) and over nothing else: not the API key, not timeouts, retries or concurrency, and not the gate
thresholds (a hit recomputes the overall score and verdict under the gate in force, so changing `send_at` never
serves a stale verdict). Only successful reviews are stored: errors and fail-open fallbacks never are.

The directory is created 0700 and the database file 0600 before SQLite opens it (and both are tightened when they
already exist), because a cached review holds the full text of a draft that may be confidential.

A cache that cannot be used never fails a review: a damaged database file, or a folder the user cannot read (after
a `sudo candor`), is bypassed with one warning on stderr, and `candor cache clear` replaces a damaged file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.atomic import private_folder
from reviewer.errors import ConfigError
from reviewer.models import Review

log = logging.getLogger("candor.cache")

CACHE_FORMAT = 1
"""Bump when the stored document or the key material changes shape."""
FILE_NAME = "reviews.sqlite3"


def default_cache_dir(configured: Path | None = None) -> Path:
    """`cache_dir` from settings, else the platform's user cache directory for candor."""
    if configured is not None:
        return configured
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("candor", appauthor=False))


def cache_key(material: Mapping[str, Any]) -> str:
    """sha256 over a canonical JSON of the key material (sorted keys, so dict order never matters)."""
    canonical = json.dumps({"format": CACHE_FORMAT, **material}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    path: Path
    entries: int
    hits: int
    size_bytes: int
    by_engine: Mapping[str, int]
    oldest: float | None
    newest: float | None


class ReviewCache:
    """A small key -> Review store. Safe to share between threads; each process opens its own connection."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / FILE_NAME
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._broken = False

    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        try:
            private_folder(self.directory)  # an old folder is tightened too
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            os.chmod(self.path, 0o600)
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS reviews (key TEXT PRIMARY KEY, engine TEXT NOT NULL, model TEXT "
                    "NOT NULL, created REAL NOT NULL, hits INTEGER NOT NULL DEFAULT 0, review TEXT NOT NULL)"
                )
            except sqlite3.Error:
                conn.close()
                raise
        except (OSError, sqlite3.Error) as err:
            raise ConfigError(f"cache: cannot open {self.path}: {err} (set cache_dir, or use --no-cache)") from None
        self._conn = conn
        return conn

    def _usable(self) -> sqlite3.Connection | None:
        """The connection for a review, or None (once warned) when the cache cannot be used: reviews go on."""
        if self._broken:
            return None
        try:
            return self._connect()
        except ConfigError as err:
            self._broken = True
            log.warning("candor: warning: %s; reviewing without the cache (`candor cache clear` rebuilds it)", err)
            return None

    def get(self, key: str) -> Review | None:
        with self._lock:
            conn = self._usable()
            if conn is None:
                return None
            try:
                row = conn.execute("SELECT review FROM reviews WHERE key = ?", (key,)).fetchone()
                if row is None:
                    return None
                conn.execute("UPDATE reviews SET hits = hits + 1 WHERE key = ?", (key,))
            except sqlite3.Error:
                return None  # a damaged cache is a miss, never a failed review
        try:
            return Review.from_json(row[0])
        except ValueError:
            return None

    def put(self, key: str, review: Review, *, model: str) -> None:
        with self._lock:
            conn = self._usable()
            if conn is None:
                return
            try:
                conn.execute(
                    "INSERT OR REPLACE INTO reviews (key, engine, model, created, hits, review) "
                    "VALUES (?, ?, ?, ?, 0, ?)",
                    (key, review.engine.split(":", 1)[0], model, time.time(), review.to_json(indent=None)),
                )
            except sqlite3.Error:
                pass  # failing to cache must not fail the review that was just paid for

    def stats(self) -> CacheStats:
        if not self.path.exists():
            return CacheStats(self.path, 0, 0, 0, {}, None, None)
        with self._lock:
            conn = self._connect()
            entries, hits, oldest, newest = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(hits), 0), MIN(created), MAX(created) FROM reviews"
            ).fetchone()
            by_engine = dict(conn.execute("SELECT engine || ':' || model, COUNT(*) FROM reviews GROUP BY 1").fetchall())
        return CacheStats(self.path, entries, hits, self.path.stat().st_size, by_engine, oldest, newest)

    def clear(self) -> int:
        """Delete every entry and shrink the file; returns how many entries there were."""
        if not self.path.exists():
            return 0
        with self._lock:
            try:
                conn = self._connect()
                (count,) = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()
                conn.execute("DELETE FROM reviews")
                conn.execute("VACUUM")
            except (ConfigError, sqlite3.DatabaseError):
                if not self._is_damaged():
                    raise
                return self._replace_damaged()
        return int(count)

    def _is_damaged(self) -> bool:
        """The file exists and is readable but is not a usable SQLite database (not a permission problem)."""
        try:
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as probe:
                probe.execute("SELECT COUNT(*) FROM reviews").fetchone()
        except sqlite3.DatabaseError as err:
            return "not a database" in str(err) or "malformed" in str(err) or "no such table" in str(err)
        return False

    def _replace_damaged(self) -> int:
        """Remove a damaged database (and its journal files); the next review starts a new one. Count unknown: 0."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        log.warning("candor: warning: %s was damaged; it was removed and a new cache will be started", self.path)
        return 0

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


__all__ = ["CacheStats", "ReviewCache", "cache_key", "default_cache_dir"]
