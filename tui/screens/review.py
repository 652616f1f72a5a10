"""The review screen: the draft on the left, scores / findings / deep review on the right.

It composes the widgets and turns keys into actions; the decisions live in three Textual-free parts it drives:
`DraftFile` (open, save, never over an .eml, unsaved work), `LiveReview` (the debounced rules review) and
`DeepReviewRunner` (the model review in the background). Fixes come from `reviewer.rewrite.apply_finding` and
changed facts from `reviewer.facts`. Every slow call runs off the UI thread and comes back as a message, so typing
never waits.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Select, Static, TabbedContent, TabPane, TextArea
from textual.worker import Worker, WorkerState

from reviewer.engines import EngineFactory
from reviewer.errors import InputError
from reviewer.facts import compare_facts
from reviewer.models import Finding, Review
from reviewer.models import Message as ReviewRequest
from reviewer.render import left_to_the_writer, rewrite_score_lines
from reviewer.service import Reviewer
from tui.deep_review import DeepReviewRunner
from tui.files import AskForPath, ConfirmOverwrite, Draft, DraftFile, Refuse, SavePlan, Write
from tui.live_review import REVIEW_DELAY, LiveResult, LiveReview, fix_hint, preview_fix
from tui.messages import DeepReviewEnded, FindingChosen, LiveReviewed
from tui.screens.modals import ChoiceScreen, PathScreen
from tui.screens.rewrite import RewriteScreen
from tui.spans import Mark, step_to
from tui.widgets.common import SEVERITY_ICON, SEVERITY_STYLE, verdict_badge
from tui.widgets.context import ContextBar
from tui.widgets.deep import DeepPanel
from tui.widgets.editor import DraftEditor
from tui.widgets.findings import FindingsList
from tui.widgets.scores import ScorePanel

__all__ = ["REVIEW_DELAY", "ReviewScreen"]

HINT = "Ctrl+N next flagged phrase · Ctrl+F fix it · Ctrl+L deep review · Ctrl+R rewrite · F1 help"
SELECTED = "selected: typing replaces it"
"""Under the editor while a flagged phrase is selected (after Ctrl+N or the list), because the next key replaces it."""


class ReviewScreen(Screen[None]):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (72, "-wide")]
    """Below 72 columns the side panel goes under the editor (app.tcss): side by side, the editor kept a dozen."""
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("f12", "save_as", "Save as", show=False),
        Binding("ctrl+o", "open", "Open"),
        Binding("ctrl+n,f8", "next_finding", "Next"),
        Binding("shift+f8", "previous_finding", "Previous", show=False),
        Binding("ctrl+f", "fix", "Fix"),
        Binding("ctrl+l", "deep_review", "Deep"),
        Binding("escape", "cancel_deep", "Cancel deep"),
        Binding("ctrl+r", "rewrite", "Rewrite"),
    ]

    def __init__(
        self,
        reviewer: Reviewer,
        draft: Draft,
        deep_engine_factory: EngineFactory,
        *,
        deep_engine_name: str = "rules+llm",
        situation: str | None = None,
        client: str | None = None,
        review_delay: float = REVIEW_DELAY,
    ) -> None:
        super().__init__()
        self.reviewer = reviewer
        self.deep_engine_name = deep_engine_name
        self._initial = draft
        self._initial_context = (situation, client)
        self._status_is_about: str | None = None
        """The editor text an action's status line speaks of ("Fixed ..."), until the text changes."""
        self.file = DraftFile.of(draft)
        self.live = LiveReview(
            reviewer,
            read=self._request,
            set_timer=self.set_timer,
            run_off_thread=self._review_off_thread,
            show=self._show_live,
            delay=review_delay,
        )
        self.deep = DeepReviewRunner(deep_engine_factory, reviewer.settings, reviewer.rubric)
        self._deep_worker: Worker[None] | None = None

    # --- layout -----------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Static(id="title")
            yield Static(id="verdict")
        yield ContextBar(*self._initial_context, id="context")
        with Horizontal(id="body"):
            yield DraftEditor(self._initial.text, id="editor")
            with TabbedContent(id="side", initial="scores"):
                with TabPane("Scores", id="scores"), VerticalScroll():
                    yield ScorePanel(id="score-panel")
                with TabPane("Findings", id="findings"):
                    yield FindingsList(id="findings-list")
                with TabPane("Deep", id="deep"), VerticalScroll():
                    yield DeepPanel(id="deep-panel")
        yield Static(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.editor.focus()
        self._update_title()
        self.set_status("")
        if self._initial.note:
            self.set_status(self._initial.note, "warning" if self._initial.save_path is None else "info")
        self.live.schedule(0)

    @property
    def editor(self) -> DraftEditor:
        return self.query_one("#editor", DraftEditor)

    @property
    def score_panel(self) -> ScorePanel:
        return self.query_one("#score-panel", ScorePanel)

    @property
    def findings_list(self) -> FindingsList:
        return self.query_one("#findings-list", FindingsList)

    @property
    def deep_panel(self) -> DeepPanel:
        return self.query_one("#deep-panel", DeepPanel)

    @property
    def context_bar(self) -> ContextBar:
        return self.query_one("#context", ContextBar)

    # --- state, for the app, the tests and the benchmark -------------------------------------------------------

    @property
    def modified(self) -> bool:
        """Unsaved work: the editor differs from what was last loaded or saved (undoing back to it counts)."""
        return self.file.modified(self.editor.text)

    @property
    def origin(self) -> Path | None:
        return self.file.origin

    @property
    def save_path(self) -> Path | None:
        return self.file.save_path

    @property
    def review(self) -> Review | None:
        return self.live.review

    @property
    def reviewed(self) -> ReviewRequest | None:
        return self.live.reviewed

    @property
    def generation(self) -> int:
        return self.live.generation

    @property
    def review_pending(self) -> bool:
        """A live review is scheduled or running (tests and the benchmark wait on this)."""
        return self.live.pending

    @property
    def review_delay(self) -> float:
        return self.live.delay

    @review_delay.setter
    def review_delay(self, delay: float) -> None:
        self.live.delay = delay

    @property
    def deep_review(self) -> Review | None:
        return self.deep.review

    @property
    def deep_running(self) -> bool:
        return self._deep_worker is not None and not self._deep_worker.is_finished

    def set_status(self, text: str | Content, kind: str = "info") -> None:
        """One or two lines under the editor: the finding at the cursor, or what the last action did."""
        status = self.query_one("#status", Static)
        status.set_classes(f"-{kind}")
        if isinstance(text, str) and text:
            text = Content(text)  # plain text: an error or a path holding "[/]" is shown, never parsed as markup
        status.update(text or Content.styled(HINT, "$text-muted"))

    def show_tab(self, tab: str) -> None:
        self.query_one("#side", TabbedContent).active = tab

    def _update_title(self) -> None:
        words = len(self.editor.text.split())
        marker = " ●" if self.modified else ""
        self.query_one("#title", Static).update(
            Content.assemble(
                ("Candor", "bold $accent"),
                f"  {self.file.name}",
                (marker, "$warning"),
                (f"  {words} word{'' if words == 1 else 's'}", "$text-muted"),
            )
        )
        verdict = self.query_one("#verdict", Static)
        review = self.review
        verdict.update("" if review is None else verdict_badge(review.verdict, review.overall))

    # --- live review --------------------------------------------------------------------------------------------

    def _request(self) -> ReviewRequest:
        """What the live review reviews: the editor's text with the context fields."""
        bar = self.context_bar
        source = str(self.origin) if self.origin else None
        return ReviewRequest(text=self.editor.text, situation=bar.situation, client=bar.client, source=source)

    def _review_off_thread(self, work: Callable[[], LiveResult]) -> None:
        def run() -> None:
            self.post_message(LiveReviewed(work()))

        self.run_worker(run, thread=True, group="rules", exclusive=True, exit_on_error=False, name="rules review")

    @on(LiveReviewed)
    def _live_reviewed(self, message: LiveReviewed) -> None:
        self.live.accept(message.result)

    def _show_live(self, result: LiveResult) -> None:
        if result.error is not None:
            self.set_status(f"The review failed: {result.error}", "error")
            return
        review = result.review
        findings = review.findings if review else ()
        self.editor.show_findings(findings, review.text if review else self.editor.text)
        self.score_panel.show(review)
        lexicon = self.reviewer.rubric.lexicon
        self.findings_list.show(
            findings, fixable={i for i, f in enumerate(findings) if review and preview_fix(review.text, f, lexicon)}
        )
        problems = sum(1 for f in findings if f.severity != "positive")
        label = f"Findings {problems}" if review else "Findings"
        self.query_one("#side", TabbedContent).get_tab("findings").label = label
        self._update_title()
        self._check_deep_stale()

    def fresh_review(self) -> Review | None:
        """The review of exactly what is on screen (see `LiveReview.fresh`)."""
        return self.live.fresh()

    @on(TextArea.Changed, "#editor")
    def _draft_changed(self) -> None:
        if self._status_is_about is not None and self._status_is_about != self.editor.text:
            # "Fixed “ASAP”. Ctrl+Z undoes it." is about the text it made: once that changes (undone, typed over),
            # it would say what is no longer so.
            self._status_is_about = None
            self.set_status("")
        self._update_title()
        self.live.schedule()
        self._check_deep_stale()

    @on(Select.Changed, "#situation")
    def _situation_changed(self) -> None:
        self.live.context_changed(0)

    @on(Input.Changed, "#client")
    def _client_changed(self) -> None:
        self.live.context_changed()

    # --- findings ------------------------------------------------------------------------------------------------

    def _finding(self, mark: Mark) -> Finding | None:
        review = self.review
        if review is None or mark.index >= len(review.findings):
            return None
        return review.findings[mark.index]

    def _selected_span(self) -> tuple[int, int]:
        editor = self.editor
        start, end = sorted((editor.offset_of(editor.selection.start), editor.offset_of(editor.selection.end)))
        return start, end

    def _marks_at_cursor(self) -> list[Mark]:
        start, end = self._selected_span()
        return [m for m in self.editor.marks_at(start) if m.end >= end]

    def _describe(self, finding: Finding) -> Content:
        icon, style = SEVERITY_ICON[finding.severity], SEVERITY_STYLE[finding.severity]
        review = self.review
        hint = fix_hint(review.text, finding, self.reviewer.rubric.lexicon) if review is not None else ""
        return Content.assemble(
            (f"{icon} {finding.severity} ", style),
            (f"“{finding.quote}” ", "bold"),
            finding.message,
            (f"  {hint}" if hint else "", "$accent"),
        )

    @on(TextArea.SelectionChanged, "#editor")
    def _cursor_moved(self) -> None:
        marks = self._marks_at_cursor()
        finding = self._finding(marks[0]) if marks else None
        start, end = self._selected_span()
        phrase_selected = start != end and any((m.start, m.end) == (start, end) for m in marks)
        self.editor.border_subtitle = SELECTED if phrase_selected else ""
        if finding is not None:
            self.set_status(self._describe(finding), "finding")
            self.findings_list.highlight_finding(marks[0].index)
        elif self.query_one("#status", Static).has_class("-finding"):
            self.set_status("")

    def _go_to(self, mark: Mark, *, focus: bool) -> None:
        self.editor.select_span(mark.start, mark.end)
        self.editor.set_current(mark.index)
        self.findings_list.highlight_finding(mark.index)
        finding = self._finding(mark)
        if finding is not None:
            self.set_status(self._describe(finding), "finding")
        if focus:
            self.editor.focus()

    @on(FindingChosen)
    def _finding_chosen(self, message: FindingChosen) -> None:
        mark = self.editor.mark_for(message.index)
        if mark is None:
            self.set_status("That phrase has been edited; the list catches up in a moment.", "warning")
            return
        self._go_to(mark, focus=message.focus_editor)

    def _step(self, direction: int) -> None:
        editor = self.editor
        selection = editor.selection
        here = editor.offset_of(min(selection.start, selection.end))
        # Problems only: a writer stepping through what to fix need not stop on what already works (green).
        problems = [m for m in editor.marks if m.severity != "positive"]
        target = step_to(problems, here, selected=selection.start != selection.end, direction=direction)
        if target is None:
            self.set_status("No flagged phrases to fix.", "info")
            return
        self._go_to(target, focus=True)

    def action_next_finding(self) -> None:
        self._step(+1)

    def action_previous_finding(self) -> None:
        self._step(-1)

    def action_fix(self) -> None:
        """Apply the fix of the phrase at the cursor (or highlighted in the list) as one undoable edit."""
        review = self.fresh_review()
        if review is None:
            self.set_status("Nothing to fix yet: write or paste a draft.", "info")
            return
        marks = [m for m in self._marks_at_cursor() if m.severity != "positive"]
        mark = marks[0] if marks else None
        if mark is None and self.findings_list.has_focus and self.findings_list.highlighted is not None:
            mark = self.editor.mark_for(self.findings_list.highlighted)
        finding = self._finding(mark) if mark else None
        if finding is None or finding.severity == "positive":
            self.set_status("Put the cursor on a highlighted phrase first (Ctrl+N jumps to the next one).", "info")
            return
        preview = preview_fix(review.text, finding, self.reviewer.rubric.lexicon)
        if preview is None:
            self.set_status(
                Content.assemble(("No automatic fix for ", ""), (f"“{finding.quote}”", "bold"), f": {finding.message}"),
                "warning",
            )
            return
        self.editor.replace_text(preview.fixed)
        self.set_status(Content.assemble("Fixed ", (f"“{finding.quote}”", "bold"), ". Ctrl+Z undoes it."), "success")
        self._status_is_about = self.editor.text
        self.live.schedule(0)

    # --- deep review -----------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_deep":
            return self.deep_running
        return True

    def action_deep_review(self) -> None:
        if self.deep_running:
            self.set_status("A deep review is already running; Esc cancels it.", "info")
            return
        request = self._request()
        if not request.text.strip():
            self.set_status("Write or paste a draft first.", "info")
            return
        generation = self.deep.start()
        self.show_tab("deep")
        self.deep_panel.show_running(self.deep_engine_name)
        self.set_status("Deep review running in the background; Esc cancels it.", "info")

        async def work() -> None:
            self.post_message(DeepReviewEnded(await self.deep.run(request, generation)))

        self._deep_worker = self.run_worker(
            work(), group="deep", exclusive=True, exit_on_error=False, name="deep review"
        )
        self.refresh_bindings()

    def action_cancel_deep(self) -> None:
        if self._deep_worker is None or not self.deep_running:
            return
        self._deep_worker.cancel()
        self.deep.cancel()
        self.deep_panel.show_cancelled()
        self.set_status("Deep review cancelled.", "info")
        self.refresh_bindings()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "deep" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            self.refresh_bindings()

    @on(DeepReviewEnded)
    def _deep_ended(self, message: DeepReviewEnded) -> None:
        outcome = message.outcome
        if not self.deep.accept(outcome):
            return
        if outcome.state == "done" and outcome.review is not None:
            review = outcome.review
            self.deep_panel.show_review(review, stale=review.text != self.editor.text)
            hint = " Ctrl+R shows its rewrite." if review.rewrite else ""
            self.set_status(f"Deep review ready ({review.engine}).{hint}", "success")
        elif outcome.state == "unavailable":
            self.deep_panel.show_unavailable(outcome.message)
            self.set_status("No model configured: the Deep tab says how to set one up.", "warning")
        else:
            self.deep_panel.show_failed(outcome.message)
            self.set_status(f"Deep review failed: {outcome.message}", "error")
        self.refresh_bindings()

    def _check_deep_stale(self) -> None:
        if self.deep_review is not None:
            self.deep_panel.set_stale(self.deep_review.text != self.editor.text)

    # --- rewrite ----------------------------------------------------------------------------------------------------

    def action_rewrite(self) -> None:
        """Show the model's rewrite when there is one, else the rules scaffold, as a diff against the draft."""
        review = self.fresh_review()
        draft = self.editor.text
        deep = self.deep_review
        if deep is not None and deep.rewrite is not None:
            owner = deep
        elif review is not None and review.rewrite is not None:
            owner = review
        else:
            message = "Write or paste a draft first." if review is None else "No rewrite to suggest for this draft."
            self.set_status(message, "info")
            return
        rewrite, stale = owner.rewrite, owner.text != draft
        assert rewrite is not None
        facts = compare_facts(draft, rewrite.text) if stale else rewrite.changed_facts
        # One line each (unwrapped): the scores, what filling the blanks is worth, and what it could not fix with
        # why (the score line may point at it: "what it could not fix is below").
        lines = [line.strip() for line in rewrite_score_lines(owner, width=10_000)] + left_to_the_writer(rewrite)
        scores = "\n".join(lines)

        def closed(accepted: bool | None) -> None:
            if accepted:
                self.editor.replace_text(rewrite.text)
                self.editor.focus()
                self.set_status("Rewrite accepted into the editor. Ctrl+Z brings your draft back.", "success")
                self._status_is_about = self.editor.text
                self.live.schedule(0)

        self.app.push_screen(RewriteScreen(draft, rewrite, facts, stale=stale, scores=scores), closed)

    # --- files ---------------------------------------------------------------------------------------------------

    def guard_unsaved(self, then: Callable[[], object], doing: str) -> None:
        """Run `then` once unsaved work is saved or knowingly discarded; never drop it silently."""
        if not self.modified:
            then()
            return
        name = self.origin.name if self.origin else "This draft"

        def answer(choice: str | None) -> None:
            if choice == "save":
                self.save(then=then)
            elif choice == "discard":
                then()

        self.app.push_screen(
            ChoiceScreen(
                f"{name} has unsaved changes. Save them before {doing}?",
                [("save", "Save"), ("discard", "Discard"), ("cancel", "Cancel")],
                title="Unsaved changes",
            ),
            answer,
        )

    def action_save(self) -> None:
        self.save()

    def action_save_as(self) -> None:
        self.save_as()

    def save(self, then: Callable[[], object] | None = None) -> None:
        """Save to the draft's file; ask for one when there is none, and ask before overwriting a changed file."""
        self._carry_out(self.file.plan_save(), then)

    def save_as(self, then: Callable[[], object] | None = None) -> None:
        self._carry_out(AskForPath(self.file.suggested_path()), then)

    def _carry_out(self, plan: SavePlan, then: Callable[[], object] | None) -> None:
        """Do what the file model decided: write, ask for a path, ask before overwriting, or refuse."""
        if isinstance(plan, Write):
            self._write(plan.path, then)
        elif isinstance(plan, Refuse):
            self.set_status(plan.message, "error")
        elif isinstance(plan, ConfirmOverwrite):
            self._confirm_overwrite(plan, then)
        else:
            self._ask_for_path(plan, then)

    def _ask_for_path(self, plan: AskForPath, then: Callable[[], object] | None) -> None:
        def chosen(path: Path | None) -> None:
            if path is not None:
                self._carry_out(self.file.plan_save_as(path), then)

        hint = "Enter saves · Esc cancels"
        if plan.why:
            self.set_status(plan.why, "warning")
            hint = f"{plan.why} {hint}"
        self.app.push_screen(PathScreen("Save as", str(plan.initial), hint), chosen)

    def _confirm_overwrite(self, plan: ConfirmOverwrite, then: Callable[[], object] | None) -> None:
        def answer(choice: str | None) -> None:
            if choice == "overwrite":
                self._write(plan.path, then)
            elif choice == "save_as":
                self.save_as(then)

        self.app.push_screen(
            ChoiceScreen(
                f"{plan.path} {plan.why}. Overwrite it with this draft?",
                [("save_as", "Save as…"), ("overwrite", "Overwrite"), ("cancel", "Cancel")],
                title="Overwrite?",
            ),
            answer,
        )

    def _write(self, path: Path, then: Callable[[], object] | None) -> None:
        try:
            self.file.write(path, self.editor.text)
        except OSError as err:
            self.set_status(f"Could not save {path}: {err.strerror or err}", "error")
            return
        self._update_title()
        self.set_status(f"Saved {path}", "success")
        if then is not None:
            then()

    def action_open(self) -> None:
        def ask() -> None:
            start = str(self.origin.parent) + "/" if self.origin else ""
            self.app.push_screen(PathScreen("Open a draft", start, "A .txt, .md or .eml file · Esc cancels"), self.open)

        self.guard_unsaved(ask, "opening another file")

    def open(self, path: Path | None) -> None:
        """Load a file into the editor; on any error the current draft stays as it is."""
        if path is None:
            return
        try:
            draft = self.file.load(path, self.reviewer.settings)
        except InputError as err:
            self.set_status(str(err), "error")
            return
        if self.deep_running:
            self.action_cancel_deep()
        self.deep.reset()
        self.deep_panel.reset()
        self.editor.load_text(draft.text)
        self.editor.focus()
        self._update_title()
        self.set_status(draft.note or f"Opened {path}", "warning" if draft.save_path is None else "info")
        self.live.schedule(0)
