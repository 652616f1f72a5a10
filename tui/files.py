"""Opening and saving drafts, with the guarantees the editor promises: nothing is overwritten without asking.

Reading goes through `reviewer.inputs.read_source`, so the TUI refuses exactly what `candor check` refuses. What the
reader strips (an .eml's headers, a quoted thread, a signature) is not in the editor, so saving back to such a file
would destroy it: those drafts get no save target and Ctrl+S asks for a new file. Writes are atomic (temporary file
and rename), and a stamp (mtime, size) taken at load and save tells the editor when someone else changed the file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import reviewer
from reviewer.config import Settings
from reviewer.inputs import EMAIL_SUFFIXES, read_source

Stamp = tuple[int, int]
"""(mtime in ns, size in bytes) of a file when the editor last read or wrote it."""


@dataclass(frozen=True)
class Draft:
    """A draft as loaded into the editor, with where Ctrl+S may write it."""

    text: str
    origin: Path | None = None
    """The file it came from (for the title bar), or None for a new draft."""
    save_path: Path | None = None
    """Where Ctrl+S writes without asking; None when it must ask (new draft, or a file Candor did not keep whole)."""
    stamp: Stamp | None = None
    note: str | None = None
    """One line for the status bar about how the file was read."""


def stamp_of(path: Path) -> Stamp | None:
    """The file's stamp, or None when it does not exist (anymore)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def load_draft(path: Path, settings: Settings) -> Draft:
    """Read a draft for editing; a missing file becomes a new, empty draft that saves to that path.

    Raises `InputError` (one line) for anything `candor check` would refuse: binary, too large, not UTF-8...
    """
    if not path.exists():
        return Draft(text="", origin=path, save_path=path, note=f"{path.name}: new file; Ctrl+S creates it")
    parsed = read_source(str(path), max_bytes=settings.max_input_bytes, max_chars=settings.max_input_chars)
    text = parsed.text.replace("\r\n", "\n").replace("\r", "\n")
    raw = path.read_bytes().decode("utf-8", errors="replace").lstrip("\ufeff").replace("\r\n", "\n")
    whole = path.suffix.lower() not in EMAIL_SUFFIXES and raw.strip() == text.strip()
    if whole:
        return Draft(text=text, origin=path, save_path=path, stamp=stamp_of(path))
    what = "the message body was extracted" if path.suffix.lower() in EMAIL_SUFFIXES else "quoted text was left out"
    return Draft(
        text=text,
        origin=path,
        save_path=None,
        stamp=None,
        note=f"{path.name}: {what}; Ctrl+S saves to a new file so the original stays whole",
    )


def candor_checkout() -> Path | None:
    """The source checkout Candor runs from (an editable install), or None when it is installed from a wheel."""
    root = Path(reviewer.__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() and (root / ".git").exists() else None


def suggested_save_path(draft_origin: Path | None, cwd: Path | None = None) -> Path:
    """A new file next to the original (never the original itself), or draft.txt in the working directory.

    Not inside Candor's own checkout, though: a confidential draft saved there could end up committed (and
    `scripts/run` used to start the TUI there whatever folder it was run from); the home folder is used instead.
    """
    if draft_origin is not None:
        return draft_origin.with_name(f"{draft_origin.stem}.candor.txt")
    folder = (cwd or Path.cwd()).resolve()
    checkout = candor_checkout()
    if checkout is not None and folder.is_relative_to(checkout):
        folder = Path.home()
    return folder / "draft.txt"


def save_draft(path: Path, text: str) -> Stamp:
    """Write the draft atomically, ending with one newline; return the new stamp. Raises OSError."""
    data = text if text.endswith("\n") else text + "\n"
    path = path.expanduser()
    directory = path.parent if str(path.parent) else Path(".")
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(data)
        # mkstemp makes the file private (0600): keep the original's mode, or the usual 0644 for a new file.
        os.chmod(temp_name, path.stat().st_mode & 0o7777 if path.exists() else 0o644)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    stamp = stamp_of(path)
    assert stamp is not None
    return stamp
