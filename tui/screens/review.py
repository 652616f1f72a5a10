"""The review screen: the draft on the left, scores / findings / deep review on the right.

It only draws and dispatches. Reviews come from `reviewer` (the live rules review through `Reviewer`, the deep review
through an engine from the factory it was given); fixes from `reviewer.rewrite.apply_finding`; changed facts from
`reviewer.facts`. Every slow call runs off the UI thread and comes back as a message, so typing never waits.

Why the deep review is an async worker around a daemon thread rather than `@work(thread=True)`: a thread worker runs
on asyncio's default executor, which is joined when the app exits, so a cancelled call that is still waiting on the
network would keep `Ctrl+Q` from quitting until the HTTP timeout. A daemon thread is simply left behind.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Select, Static, TabbedContent, TabPane, TextArea
from textual.worker import Worker, WorkerState

from reviewer.engines import Engine, EngineFactory
from reviewer.errors import CandorError, ConfigError, InputError
from reviewer.facts import compare_facts
from reviewer.models import Finding, Review
from reviewer.models import Message as ReviewRequest
from reviewer.rewrite import apply_finding
from reviewer.service import Reviewer
from tui.files import Draft, load_draft, save_draft, stamp_of, suggested_save_path
from tui.messages import (
    DeepReviewDone,
    DeepReviewFailed,
    DeepReviewUnavailable,
    FindingChosen,
    ReviewFailed,
    ReviewReady,
)
from tui.screens.modals import ChoiceScreen, PathScreen
from tui.screens.rewrite import RewriteScreen
from tui.widgets.common import SEVERITY_ICON, SEVERITY_STYLE, verdict_badge
from tui.widgets.context import ContextBar
from tui.widgets.deep import DeepPanel
from tui.widgets.editor import DraftEditor, Mark
from tui.widgets.findings import FindingsList
from tui.widgets.scores import ScorePanel

HINT = "Ctrl+N next flagged phrase · Ctrl+F fix it · Ctrl+L deep review · Ctrl+R rewrite · F1 help"
REVIEW_DELAY = 0.3
"""Seconds of quiet after the last keystroke before the draft is re-reviewed."""


class ReviewScreen(Screen[None]):
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
        self.deep_engine_factory = deep_engine_factory
        self.deep_engine_name = deep_engine_name
        self.review_delay = review_delay
        self._initial = draft
        self._initial_context = (situation, client)
        self.origin: Path | None = draft.origin
        self.save_path: Path | None = draft.save_path
        self.stamp = draft.stamp
        self.saved_text = draft.text
        self.review: Review | None = None
        self.reviewed: ReviewRequest | None = None
        self.deep_review: Review | None = None
        self.generation = 0
        """Live reviews requested so far; a result from an older request is dropped."""
        self.shown_generation = 0
        """The request whose result (or failure) is on screen."""
        self.deep_generation = 0
        self._timer: Timer | None = None
        self._deep_worker: Worker[None] | None = None
        self._deep_engine: Engine | None = None

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
        self._schedule_review(0)

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

    @property
    def modified(self) -> bool:
        """Unsaved work: the editor differs from what was last loaded or saved (undoing back to it counts)."""
        return self.editor.text != self.saved_text

    @property
    def review_pending(self) -> bool:
        """A live review is scheduled or running (tests and the benchmark wait on this)."""
        return self._timer is not None or self.shown_generation < self.generation

    @property
    def deep_running(self) -> bool:
        return self._deep_worker is not None and not self._deep_worker.is_finished

    def set_status(self, text: str | Content, kind: str = "info") -> None:
        """One or two lines under the editor: the finding at the cursor, or what the last action did."""
        status = self.query_one("#status", Static)
        status.set_classes(f"-{kind}")
        status.update(text or Content.styled(HINT, "$text-muted"))

    def show_tab(self, tab: str) -> None:
        self.query_one("#side", TabbedContent).active = tab

    def _update_title(self) -> None:
        name = self.origin.name if self.origin else "new draft"
        words = len(self.editor.text.split())
        marker = " ●" if self.modified else ""
        self.query_one("#title", Static).update(
            Content.assemble(
                ("Candor", "bold $accent"), f"  {name}", (marker, "$warning"), (f"  {words} words", "$text-muted")
            )
        )
        verdict = self.query_one("#verdict", Static)
        if self.review is None:
            verdict.update("")
        else:
            verdict.update(verdict_badge(self.review.verdict, self.review.overall))

    # --- live review --------------------------------------------------------------------------------------------

    def _request(self, text: str) -> ReviewRequest:
        bar = self.context_bar
        source = str(self.origin) if self.origin else None
        return ReviewRequest(text=text, situation=bar.situation, client=bar.client, source=source)

    def _schedule_review(self, delay: float | None = None) -> None:
        if self._timer is not None:
            self._timer.stop()
        delay = self.review_delay if delay is None else delay
        # A zero-length timer divides by zero inside textual; a millisecond is "now" for a person.
        self._timer = self.set_timer(max(delay, 0.001), self._start_review)

    def _start_review(self) -> None:
        self._timer = None
        text = self.editor.text
        if not text.strip():
            self._show_review(None, None)
            return
        self.generation += 1
        work = partial(self._review_in_thread, self._request(text), self.generation)
        self.run_worker(work, thread=True, group="rules", exclusive=True, exit_on_error=False, name="rules review")

    def _review_in_thread(self, request: ReviewRequest, generation: int) -> None:
        try:
            review = self.reviewer.review(request)
        except CandorError as err:
            self.post_message(ReviewFailed(str(err), generation))
        except Exception as err:  # noqa: BLE001 - a bug in a rule must not take the editor (and the draft) down
            self.post_message(ReviewFailed(f"{type(err).__name__}: {err}", generation))
        else:
            self.post_message(ReviewReady(review, generation, request))

    @on(ReviewReady)
    def _review_ready(self, message: ReviewReady) -> None:
        if message.generation == self.generation:
            self.shown_generation = message.generation
            self._show_review(message.review, message.request)

    @on(ReviewFailed)
    def _review_failed(self, message: ReviewFailed) -> None:
        if message.generation == self.generation:
            self.shown_generation = message.generation
            self.set_status(f"The review failed: {message.error}", "error")

    def _show_review(self, review: Review | None, request: ReviewRequest | None) -> None:
        self.review, self.reviewed = review, request
        findings = review.findings if review else ()
        self.editor.show_findings(findings, review.text if review else self.editor.text)
        self.score_panel.show(review)
        self.findings_list.show(findings)
        problems = sum(1 for f in findings if f.severity != "positive")
        label = f"Findings {problems}" if review else "Findings"
        self.query_one("#side", TabbedContent).get_tab("findings").label = label
        self._update_title()
        self._check_deep_stale()

    def fresh_review(self) -> Review | None:
        """The review of exactly what is on screen, reviewing now (on the UI thread, tens of ms) if it is stale.

        Used before acting on a finding: a fix is computed from offsets, which must belong to the current text.
        """
        text = self.editor.text
        if not text.strip():
            return None
        request = self._request(text)
        if self.review is not None and self.reviewed == request:
            return self.review
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.generation += 1
        review = self.reviewer.review(request)
        self.shown_generation = self.generation
        self._show_review(review, request)
        return review

    @on(TextArea.Changed, "#editor")
    def _draft_changed(self) -> None:
        self._update_title()
        self._schedule_review()
        self._check_deep_stale()

    @on(Select.Changed, "#situation")
    def _situation_changed(self) -> None:
        self._context_changed(0)

    @on(Input.Changed, "#client")
    def _client_changed(self) -> None:
        self._context_changed(None)

    def _context_changed(self, delay: float | None) -> None:
        # The fields also post Changed when they mount; only a real change is worth a review.
        if self.reviewed is not None and self._request(self.editor.text) != self.reviewed:
            self._schedule_review(delay)

    # --- findings ------------------------------------------------------------------------------------------------

    def _finding(self, mark: Mark) -> Finding | None:
        if self.review is None or mark.index >= len(self.review.findings):
            return None
        return self.review.findings[mark.index]

    def _marks_at_cursor(self) -> list[Mark]:
        editor = self.editor
        start, end = sorted((editor.offset_of(editor.selection.start), editor.offset_of(editor.selection.end)))
        return [m for m in editor.marks_at(start) if m.end >= end]

    def _describe(self, finding: Finding) -> Content:
        icon, style = SEVERITY_ICON[finding.severity], SEVERITY_STYLE[finding.severity]
        if finding.severity == "positive":
            hint = ""
        elif finding.replacement is None:
            hint = "  (no automatic fix: reword it yourself)"
        elif finding.replacement:
            hint = f"  Ctrl+F: replace with “{finding.replacement}”"
        else:
            hint = "  Ctrl+F: remove it"
        return Content.assemble(
            (f"{icon} {finding.severity} ", style), (f"“{finding.quote}” ", "bold"), finding.message, (hint, "$accent")
        )

    @on(TextArea.SelectionChanged, "#editor")
    def _cursor_moved(self) -> None:
        marks = self._marks_at_cursor()
        finding = self._finding(marks[0]) if marks else None
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
        marks = sorted(self.editor.marks, key=lambda m: (m.start, m.end))
        if not marks:
            self.set_status("No flagged phrases.", "info")
            return
        editor = self.editor
        selection = editor.selection
        here = editor.offset_of(min(selection.start, selection.end))
        selected = selection.start != selection.end
        if direction > 0:
            after = [m for m in marks if m.start > here or (m.start == here and not selected)]
            target = after[0] if after else marks[0]
        else:
            before = [m for m in marks if m.start < here]
            target = before[-1] if before else marks[-1]
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
        fixed = apply_finding(review.text, finding)
        if fixed is None:
            self.set_status(
                Content.assemble(("No automatic fix for ", ""), (f"“{finding.quote}”", "bold"), f": {finding.message}"),
                "warning",
            )
            return
        self.editor.replace_text(fixed)
        self.set_status(Content.assemble("Fixed ", (f"“{finding.quote}”", "bold"), ". Ctrl+Z undoes it."), "success")
        self._schedule_review(0)

    # --- deep review -----------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_deep":
            return self.deep_running
        return True

    def action_deep_review(self) -> None:
        if self.deep_running:
            self.set_status("A deep review is already running; Esc cancels it.", "info")
            return
        text = self.editor.text
        if not text.strip():
            self.set_status("Write or paste a draft first.", "info")
            return
        self.deep_generation += 1
        self.show_tab("deep")
        self.deep_panel.show_running(self.deep_engine_name)
        self.set_status("Deep review running in the background; Esc cancels it.", "info")
        work = self._deep_review(self._request(text), self.deep_generation)
        self._deep_worker = self.run_worker(work, group="deep", exclusive=True, exit_on_error=False, name="deep review")
        self.refresh_bindings()

    async def _deep_review(self, request: ReviewRequest, generation: int) -> None:
        future: concurrent.futures.Future[Review] = concurrent.futures.Future()
        thread = threading.Thread(
            target=self._deep_in_thread, args=(request, future), name="candor-deep-review", daemon=True
        )
        thread.start()
        try:
            review = await asyncio.wrap_future(future)
        except ConfigError as err:
            self.post_message(DeepReviewUnavailable(str(err), generation))
        except CandorError as err:
            self.post_message(DeepReviewFailed(str(err), generation))
        except Exception as err:  # noqa: BLE001 - shown in the panel; the draft must survive any engine bug
            self.post_message(DeepReviewFailed(f"{type(err).__name__}: {err}", generation))
        else:
            self.post_message(DeepReviewDone(review, generation))

    def _deep_in_thread(self, request: ReviewRequest, future: concurrent.futures.Future[Review]) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            # Built lazily, on first use and off the UI thread: the LLM stack is slow to import.
            engine = self._deep_engine or self.deep_engine_factory(self.reviewer.settings)
            self._deep_engine = engine
            future.set_result(engine.review(request, self.reviewer.rubric))
        except BaseException as err:  # noqa: BLE001 - handed to the awaiting worker, which reports it
            future.set_exception(err)

    def action_cancel_deep(self) -> None:
        if self._deep_worker is None or not self.deep_running:
            return
        self._deep_worker.cancel()
        self.deep_generation += 1
        self.deep_panel.show_cancelled()
        self.set_status("Deep review cancelled.", "info")
        self.refresh_bindings()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "deep" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            self.refresh_bindings()

    @on(DeepReviewDone)
    def _deep_done(self, message: DeepReviewDone) -> None:
        if message.generation != self.deep_generation:
            return
        self.deep_review = message.review
        self.deep_panel.show_review(message.review, stale=message.review.text != self.editor.text)
        hint = " Ctrl+R shows its rewrite." if message.review.rewrite else ""
        self.set_status(f"Deep review ready ({message.review.engine}).{hint}", "success")
        self.refresh_bindings()

    @on(DeepReviewFailed)
    def _deep_failed(self, message: DeepReviewFailed) -> None:
        if message.generation == self.deep_generation:
            self.deep_panel.show_failed(message.error)
            self.set_status(f"Deep review failed: {message.error}", "error")
            self.refresh_bindings()

    @on(DeepReviewUnavailable)
    def _deep_unavailable(self, message: DeepReviewUnavailable) -> None:
        if message.generation == self.deep_generation:
            self.deep_panel.show_unavailable(message.how_to)
            self.set_status("No model configured: the Deep tab says how to set one up.", "warning")
            self.refresh_bindings()

    def _check_deep_stale(self) -> None:
        if self.deep_review is not None:
            self.deep_panel.set_stale(self.deep_review.text != self.editor.text)

    # --- rewrite ----------------------------------------------------------------------------------------------------

    def action_rewrite(self) -> None:
        """Show the model's rewrite when there is one, else the rules scaffold, as a diff against the draft."""
        review = self.fresh_review()
        draft = self.editor.text
        if self.deep_review is not None and self.deep_review.rewrite is not None:
            rewrite, based_on = self.deep_review.rewrite, self.deep_review.text
        elif review is not None and review.rewrite is not None:
            rewrite, based_on = review.rewrite, review.text
        else:
            message = "Write or paste a draft first." if review is None else "No rewrite to suggest for this draft."
            self.set_status(message, "info")
            return
        stale = based_on != draft
        facts = compare_facts(draft, rewrite.text) if stale else rewrite.changed_facts

        def closed(accepted: bool | None) -> None:
            if accepted:
                self.editor.replace_text(rewrite.text)
                self.editor.focus()
                self.set_status("Rewrite accepted into the editor. Ctrl+Z brings your draft back.", "success")
                self._schedule_review(0)

        self.app.push_screen(RewriteScreen(draft, rewrite, facts, stale=stale), closed)

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
        target = self.save_path
        if target is None:
            self.save_as(then)
            return
        if stamp_of(target) != self.stamp:
            self._confirm_overwrite(target, "changed on disk since Candor read it", then)
            return
        self._write(target, then)

    def save_as(self, then: Callable[[], object] | None = None) -> None:
        initial = self.save_path or suggested_save_path(self.origin)

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            if path.is_dir():
                self.set_status(f"{path} is a folder; give a file name.", "error")
            elif path.exists() and not (path == self.save_path and stamp_of(path) == self.stamp):
                self._confirm_overwrite(path, "already exists", then)
            else:
                self._write(path, then)

        self.app.push_screen(PathScreen("Save as", str(initial), "Enter saves · Esc cancels"), chosen)

    def _confirm_overwrite(self, path: Path, why: str, then: Callable[[], object] | None) -> None:
        def answer(choice: str | None) -> None:
            if choice == "overwrite":
                self._write(path, then)
            elif choice == "save_as":
                self.save_as(then)

        self.app.push_screen(
            ChoiceScreen(
                f"{path} {why}. Overwrite it with this draft?",
                [("save_as", "Save as…"), ("overwrite", "Overwrite"), ("cancel", "Cancel")],
                title="Overwrite?",
            ),
            answer,
        )

    def _write(self, path: Path, then: Callable[[], object] | None) -> None:
        text = self.editor.text
        try:
            self.stamp = save_draft(path, text)
        except OSError as err:
            self.set_status(f"Could not save {path}: {err.strerror or err}", "error")
            return
        self.saved_text = text
        self.save_path = self.origin = path
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
            draft = load_draft(path, self.reviewer.settings)
        except InputError as err:
            self.set_status(str(err), "error")
            return
        self.origin, self.save_path, self.stamp = draft.origin, draft.save_path, draft.stamp
        self.saved_text = draft.text
        if self.deep_running:
            self.action_cancel_deep()
        self.deep_review = None
        self.deep_panel.reset()
        self.editor.load_text(draft.text)
        self.editor.focus()
        self._update_title()
        self.set_status(draft.note or f"Opened {path}", "warning" if draft.save_path is None else "info")
        self._schedule_review(0)
