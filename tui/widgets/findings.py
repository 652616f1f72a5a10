"""The findings list: every phrase the review flagged, in text order, coloured by severity.

Moving through the list (when it has focus) or pressing Enter posts `FindingChosen`; the screen moves the editor's
cursor. Rebuilding the list after each re-review keeps the same finding highlighted when it is still there, so the
list does not jump while the user works through it.
"""

from __future__ import annotations

from collections.abc import Collection

from textual import on
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from reviewer.models import Finding
from tui.messages import FindingChosen
from tui.widgets.common import SEVERITY_ICON, SEVERITY_STYLE, shorten

EMPTY = "No flagged phrases."


def finding_prompt(finding: Finding, *, fixable: bool) -> Content:
    """`fixable`: Ctrl+F really has a fix for it (the screen asks `preview_fix`; a finding's replacement can be
    refused when it would delete a fact)."""
    style = SEVERITY_STYLE[finding.severity]
    fix = "  · Ctrl+F fixes" if fixable and finding.severity != "positive" else ""
    return Content.assemble(
        (f"{SEVERITY_ICON[finding.severity]} {finding.severity:<9}", style),  # "positive " + quote, never run together
        (f"“{shorten(finding.quote, 60)}”", "bold"),
        (fix, "$accent"),
        "\n",
        (f"  {shorten(finding.message, 160)}", "$text-muted"),
    )


class FindingsList(OptionList):
    """One option per finding; option ids are the finding's index in the review."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.findings: tuple[Finding, ...] = ()

    def show(self, findings: tuple[Finding, ...], *, fixable: Collection[int] = ()) -> None:
        """List `findings`; those whose index is in `fixable` say that Ctrl+F fixes them."""
        previous = self.current_finding
        self.findings = findings
        # Rebuilding moves the highlight; that is not the user choosing a finding.
        with self.prevent(OptionList.OptionHighlighted):
            if findings:
                self.set_options(
                    Option(finding_prompt(f, fixable=i in fixable), id=str(i)) for i, f in enumerate(findings)
                )
            else:
                self.set_options([Option(Content.styled(EMPTY, "$text-muted"), id="none", disabled=True)])
            same = (
                []
                if previous is None
                else [i for i, f in enumerate(findings) if (f.rule, f.quote) == (previous.rule, previous.quote)]
            )
            self.highlighted = same[0] if same else (0 if findings else None)

    @property
    def current_finding(self) -> Finding | None:
        index = self.highlighted
        if index is None or not self.findings or index >= len(self.findings):
            return None
        return self.findings[index]

    def highlight_finding(self, index: int) -> None:
        """Follow the editor (Next finding) without moving the editor back."""
        if 0 <= index < len(self.findings):
            with self.prevent(OptionList.OptionHighlighted):
                self.highlighted = index

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if self.has_focus and self.findings and event.option.id not in (None, "none"):
            self.post_message(FindingChosen(int(event.option.id or 0), focus_editor=False))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.findings and event.option.id not in (None, "none"):
            self.post_message(FindingChosen(int(event.option.id or 0), focus_editor=True))
