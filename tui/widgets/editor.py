"""The draft editor: Textual's TextArea, with every finding painted at its span and coloured by severity.

TextArea (textual 8.2.8) draws highlights from `_highlights` (row -> [(start byte, end byte, name)]), which its
private `_build_highlight_map()` rebuilds after every edit, undo, redo and load; each name is styled by the
TextAreaTheme's `syntax_styles`. Hooking that one method keeps the real editor (paste, undo, selection, soft wrap)
instead of drawing an annotated copy beside it. A version bump of textual can move this; the Pilot tests catch it.

Findings are located in the text that was reviewed, which is older than what is on screen while the user types.
Each rebuild carries the spans across the difference (shifted when the change is before them, dropped when it
touches them), so no highlight ever sits on the wrong words; the next review puts back exact spans.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from rich.style import Style
from textual.app import App
from textual.color import Color
from textual.widgets import TextArea
from textual.widgets.text_area import Selection, TextAreaTheme

from reviewer.models import SEVERITY_ORDER, Finding
from tui.spans import Mark, carry_marks, diff_window

__all__ = ["DraftEditor", "Mark", "carry_marks", "diff_window", "finding_styles"]

THEME_NAME = "candor"
PLACEHOLDER = "Paste or type the message you are about to send. Ctrl+O opens a file; F1 shows every key."


def finding_styles(app: App[object]) -> dict[str, Style]:
    """Severity -> style, tinted from the app theme's own colours so light and dark themes both read well."""
    variables = app.get_css_variables()
    background = Color.parse(variables.get("background", "#1e1e1e"))

    def tint(name: str, fallback: str, amount: float) -> str:
        return background.blend(Color.parse(variables.get(name, fallback)), amount).hex

    return {
        "candor-critical": Style(bgcolor=tint("error", "#ff4444", 0.6), bold=True, underline=True),
        "candor-major": Style(bgcolor=tint("error", "#ff4444", 0.35), underline=True),
        "candor-minor": Style(bgcolor=tint("warning", "#ffaa00", 0.35)),
        "candor-positive": Style(bgcolor=tint("success", "#44bb44", 0.3)),
        "candor-current": Style(bgcolor=tint("accent", "#ffa62b", 0.55), bold=True),
    }


class DraftEditor(TextArea):
    """The draft, editable as usual, with the findings of the latest review highlighted in place."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, soft_wrap=True, tab_behavior="focus", placeholder=PLACEHOLDER, id=id)
        self._marks: list[Mark] = []
        self._marks_text = text
        self.current: int | None = None
        """The finding last chosen (list or Next key), painted stronger so it shows even when the list has focus."""

    def on_mount(self) -> None:
        self._install_theme()
        self.watch(self.app, "theme", self._install_theme, init=False)

    def _install_theme(self) -> None:
        # Same name, new colours: re-register and re-select it, then drop the cached lines painted in the old ones.
        self.register_theme(TextAreaTheme(name=THEME_NAME, syntax_styles=finding_styles(self.app)))
        self.theme = THEME_NAME
        self._build_highlight_map()
        self.refresh()

    # --- findings -------------------------------------------------------------------------------------------

    @property
    def marks(self) -> list[Mark]:
        """The marks as they sit in the current text (after carrying them across any edits)."""
        self._sync_marks()
        return list(self._marks)

    def show_findings(self, findings: Sequence[Finding], reviewed_text: str) -> None:
        """Highlight a review's findings; `reviewed_text` may be older than the editor's text."""
        self._marks = [Mark(i, f.start, f.end, f.severity) for i, f in enumerate(findings) if f.end > f.start]
        self._marks_text = reviewed_text
        self.current = None
        self._build_highlight_map()
        self.refresh()

    def set_current(self, index: int | None) -> None:
        self.current = index
        self._build_highlight_map()
        self.refresh()

    def mark_for(self, index: int) -> Mark | None:
        """Where finding `index` is now, or None if an edit has since touched its phrase."""
        return next((m for m in self.marks if m.index == index), None)

    def marks_at(self, offset: int) -> list[Mark]:
        """Marks whose span holds the offset (either end counts), worst first."""
        hits = [m for m in self.marks if m.start <= offset <= m.end]
        return sorted(hits, key=lambda m: (-SEVERITY_ORDER.get(m.severity, 0), m.end - m.start))

    def _sync_marks(self) -> None:
        text = self.text
        if text != self._marks_text:
            self._marks = carry_marks(self._marks, self._marks_text, text)
            self._marks_text = text

    def _build_highlight_map(self) -> None:
        super()._build_highlight_map()
        if not hasattr(self, "_marks"):
            return  # TextArea builds once inside its own __init__, before ours has run.
        self._sync_marks()
        if not self._marks:
            return
        lines = self.document.lines
        starts = _line_starts(lines)
        highlights = self._highlights
        for mark in sorted(self._marks, key=lambda m: m.index == self.current):  # the current one paints last
            names = [f"candor-{mark.severity}"] + (["candor-current"] if mark.index == self.current else [])
            first = bisect_right(starts, mark.start) - 1
            last = bisect_right(starts, max(mark.start, mark.end - 1)) - 1
            for row in range(first, last + 1):
                line = lines[row]
                col_start = max(mark.start - starts[row], 0)
                col_end = min(mark.end - starts[row], len(line))
                if col_end <= col_start:
                    continue
                for name in names:
                    highlights[row].append((_byte(line, col_start), _byte(line, col_end), name))

    # --- undo / redo -----------------------------------------------------------------------------------------

    def undo(self) -> None:
        # textual 8.2.8 resizes before it restores the selection, so undoing a long paste left the cursor on a row
        # that no longer exists and raised. Parking the cursor at the start first is harmless: the undo then puts
        # the selection back where it was before the edit.
        self.selection = Selection.cursor((0, 0))
        super().undo()

    def redo(self) -> None:
        self.selection = Selection.cursor((0, 0))
        super().redo()

    # --- positions and edits --------------------------------------------------------------------------------

    def location_of(self, offset: int) -> tuple[int, int]:
        """(row, column) of a character offset into `self.text`."""
        lines = self.document.lines
        starts = _line_starts(lines)
        offset = max(0, min(offset, starts[-1] + len(lines[-1])))
        row = bisect_right(starts, offset) - 1
        return row, offset - starts[row]

    def offset_of(self, location: tuple[int, int]) -> int:
        row, column = location
        lines = self.document.lines
        return sum(len(line) + 1 for line in lines[:row]) + column

    @property
    def cursor_offset(self) -> int:
        return self.offset_of(self.cursor_location)

    def select_span(self, start: int, end: int) -> None:
        """Select a phrase (cursor at its end) and bring it into view."""
        self.selection = Selection(self.location_of(start), self.location_of(end))
        self.scroll_cursor_visible(center=True)

    def replace_text(self, new: str) -> None:
        """Make the text `new` with one edit over the changed window: one Ctrl+Z puts the old text back."""
        old = self.text
        if new == old:
            return
        start, old_end, new_end = diff_window(old, new)
        self.history.checkpoint()
        self.replace(
            new[start:new_end], self.location_of(start), self.location_of(old_end), maintain_selection_offset=False
        )
        self.history.checkpoint()


def _line_starts(lines: Sequence[str]) -> list[int]:
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    return starts


def _byte(line: str, column: int) -> int:
    """TextArea highlights count UTF-8 bytes (they come from tree-sitter); findings count characters."""
    return column if line.isascii() else len(line[:column].encode("utf-8"))
