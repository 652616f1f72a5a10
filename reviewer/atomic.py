"""Writing a file so that a crash, a kill or a full disk never leaves half of it (issue 13, item 26).

The bytes go to a temporary file beside the target, are flushed to disk, and the temporary file is renamed over
the target: a reader sees the old file or the new one, never a mix, and the old one stays whole when anything
fails. New files are readable by the user only (drafts and reports hold confidential text); a file that already
exists keeps its mode unless `tighten` is asked (Candor's own outputs), since a user's draft is the user's to share.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

USER_ONLY = 0o600
USER_ONLY_FOLDER = 0o700


def private_folder(folder: Path) -> None:
    """Create the folder readable by the user only, or tighten it to that if it exists and is the user's (a folder
    made by an older version, or under a looser umask). Raises OSError."""
    if not folder.exists():
        folder.mkdir(mode=USER_ONLY_FOLDER, parents=True)
    if folder.stat().st_uid == os.getuid():
        os.chmod(folder, USER_ONLY_FOLDER)  # mkdir's mode is filtered by the umask


def private_file(path: Path) -> None:
    """Make the file user-only if it is the user's (an output Candor reopens to append to)."""
    if path.stat().st_uid == os.getuid():
        os.chmod(path, USER_ONLY)


def write_atomic(path: Path, data: str | bytes, *, mode: int = USER_ONLY, tighten: bool = False) -> None:
    """Replace `path` with `data` (text is written as UTF-8, newlines unchanged) all at once. Raises OSError, and
    then the old file, if any, is as it was."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent if str(path.parent) else Path(".")
    try:
        kept = path.stat().st_mode & 0o7777
    except OSError:
        kept = None
    final_mode = mode if kept is None or tighten else kept
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp_name, final_mode)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk (best effort: some file systems cannot open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
