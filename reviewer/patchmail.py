"""What a person wrote in a `git format-patch` email: the cover letter's blurb or the commit message, never the diff.

Pure: text in, text out. A patch email's body is the commit message, a `---` line, the diffstat and the diff; a cover
letter's is the blurb, the shortlog (`Name (N):` and indented subjects), the diffstat and a `-- ` signature. The
prose ends at the first of those; trailers (`Signed-off-by:`, `Cc:`, `Link:`...) and git's `*** BLURB HERE ***`
placeholder are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_END_OF_PROSE = re.compile(
    r"^(?:---\s*$|diff --git |Index: |-- $|\S.* \(\d+\):$| \S.*\|\s+(?:\d+ ?[+-]*|Bin .*)$| \d+ files? changed)"
)
_TRAILER = re.compile(r"^(?:[A-Z][A-Za-z]*(?:-[A-Za-z]+)*-by|Cc|Link|Fixes|Closes|Change-Id|Bug): .*$")
_PLACEHOLDERS = ("*** BLURB HERE ***", "*** SUBJECT HERE ***")
UNFINISHED_COVER_LETTER = "the cover letter still has git's *** SUBJECT HERE *** or *** BLURB HERE ***"
"""What the git hook and the sendmail wrapper both say of a cover letter git's template text is still in."""
_COVER_SUBJECT = re.compile(r"\[[^\]]*\b0+/\d+\]")


@dataclass(frozen=True)
class PatchProse:
    text: str
    """The prose, lines kept where they were (dropped lines become empty), so positions map back to the file."""
    is_patch: bool
    """The mail carries a diff (a patch), as opposed to a cover letter or a plain mail."""
    is_cover_letter: bool
    has_placeholder: bool
    """Git's template text is still there: an unfinished cover letter."""


def patch_prose(body: str, subject: str | None = None) -> PatchProse:
    lines = body.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    is_patch = any(line.startswith("diff --git ") for line in lines)
    placeholder = any(mark in body for mark in _PLACEHOLDERS) or any(mark in (subject or "") for mark in _PLACEHOLDERS)
    for line in lines:
        if _END_OF_PROSE.match(line):
            break
        kept.append("" if _TRAILER.match(line) or line.strip() in _PLACEHOLDERS else line)
    return PatchProse(
        text="\n".join(kept).strip(),
        is_patch=is_patch,
        is_cover_letter=bool(subject and _COVER_SUBJECT.search(subject)),
        has_placeholder=placeholder,
    )
