"""Opening and saving drafts, with the guarantees the editor promises: nothing is overwritten without asking.

Reading goes through `reviewer.inputs.read_source`, so the TUI refuses exactly what `candor check` refuses. What the
reader strips (an .eml's headers, a quoted thread, a signature) is not in the editor, so saving over such a file
would destroy it: those drafts get no save target, and neither Ctrl+S nor Save as ever writes over an email or the
file a quoted reply was left out of; a new file is offered instead. Writes are atomic (temporary file and rename),
and a stamp (mtime, size) taken at load and save tells the editor when someone else changed the file.

`DraftFile` holds that state and makes every decision (where Ctrl+S writes, when to ask, what is refused) without
Textual, so the rules are unit-tested; the review screen only turns its answers into dialogs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import reviewer
from reviewer.atomic import write_atomic
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
        # What was left out, as `candor check` names it ("Left out the signature ..."), so the writer knows.
        note=" ".join((f"{path.name}: {what}; Ctrl+S saves to a new file so the original stays whole.", *parsed.notes)),
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
    # A new draft is readable by the user only (it is confidential until sent); an existing file keeps its mode.
    write_atomic(path, data)
    stamp = stamp_of(path)
    assert stamp is not None
    return stamp


@dataclass(frozen=True)
class Write:
    """Write the draft to `path` now."""

    path: Path


@dataclass(frozen=True)
class AskForPath:
    """Ask where to save, starting from `initial`; `why` says why when Candor refused the path it was given."""

    initial: Path
    why: str | None = None


@dataclass(frozen=True)
class ConfirmOverwrite:
    """`path` holds something Candor did not write or last read: ask before overwriting it."""

    path: Path
    why: str


@dataclass(frozen=True)
class Refuse:
    """Nothing can be written there (a folder): say so and stop."""

    message: str


SavePlan: TypeAlias = Write | AskForPath | ConfirmOverwrite | Refuse


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return a.expanduser().absolute() == b.expanduser().absolute()


@dataclass
class DraftFile:
    """Where the draft in the editor came from and may be saved, and what was last loaded or saved (dirty state)."""

    origin: Path | None = None
    save_path: Path | None = None
    stamp: Stamp | None = None
    saved_text: str = ""

    @classmethod
    def of(cls, draft: Draft) -> DraftFile:
        return cls(origin=draft.origin, save_path=draft.save_path, stamp=draft.stamp, saved_text=draft.text)

    @property
    def name(self) -> str:
        return self.origin.name if self.origin else "new draft"

    def modified(self, text: str) -> bool:
        """Unsaved work: `text` differs from what was last loaded or saved (undoing back to it counts)."""
        return text != self.saved_text

    def suggested_path(self) -> Path:
        return self.save_path or suggested_save_path(self.origin)

    def plan_save(self) -> SavePlan:
        """Ctrl+S: the draft's own file, unless it has none (ask) or someone changed it on disk (confirm)."""
        if self.save_path is None:
            return AskForPath(self.suggested_path())
        if stamp_of(self.save_path) != self.stamp:
            return ConfirmOverwrite(self.save_path, "changed on disk since Candor read it")
        return Write(self.save_path)

    def plan_save_as(self, path: Path) -> SavePlan:
        """Save as `path`: never over an email or the file a quoted reply was left out of; ask before any other."""
        if path.is_dir():
            return Refuse(f"{path} is a folder; give a file name.")
        own = self.save_path is not None and _same_file(path, self.save_path)
        if path.exists() and not own and self._kept_whole_only_by_the_original(path):
            return AskForPath(
                suggested_save_path(path),
                f"{path.name} keeps what the editor does not show (headers, quoted thread, signature); "
                "Candor never saves over it. Save to a new file:",
            )
        if path.exists() and not (own and stamp_of(path) == self.stamp):
            return ConfirmOverwrite(path, "already exists")
        return Write(path)

    def _kept_whole_only_by_the_original(self, path: Path) -> bool:
        """An existing email, or the file this draft came from when the editor holds only part of it."""
        if path.suffix.lower() in EMAIL_SUFFIXES:
            return True
        return self.origin is not None and self.save_path is None and _same_file(path, self.origin)

    def write(self, path: Path, text: str) -> None:
        """Save `text` to `path` (atomically) and make it the draft's file. Raises OSError, changing nothing."""
        self.stamp = save_draft(path, text)
        self.saved_text = text
        self.save_path = self.origin = path

    def load(self, path: Path, settings: Settings) -> Draft:
        """Read `path` and make it the draft's file. Raises InputError, changing nothing."""
        draft = load_draft(path, settings)
        self.origin, self.save_path, self.stamp = draft.origin, draft.save_path, draft.stamp
        self.saved_text = draft.text
        return draft
