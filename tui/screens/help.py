"""The help screen: what Candor checks, every key, and what the colours mean."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# Candor

Write or paste the message you are about to send. A moment after you stop typing, the rules engine scores it
on **transparency, empathy, accountability, solutions** and **limited excuses**, and marks the phrases that
help or hurt.

| Key | Does |
|---|---|
| Ctrl+N / F8, Shift+F8 | next / previous flagged problem (moves the cursor, shows why; what works is skipped) |
| Ctrl+F | apply the fix of the phrase at the cursor (Ctrl+Z undoes it) |
| Ctrl+L | deep review with the model (runs in the background) |
| Esc | cancel a running deep review |
| Ctrl+R | the suggested rewrite as a diff: accept it (undoable) or copy it |
| Ctrl+S / F12 | save / save as |
| Ctrl+O | open a .txt, .md or .eml file |
| Ctrl+Z / Ctrl+Y | undo / redo |
| Ctrl+T | switch between light and dark |
| Ctrl+P | command palette (every action, and themes) |
| Tab | move between the draft, the side panel and the context fields |
| Ctrl+Q | quit (asks first if there is unsaved work) |

**Colours in the draft**: red underlined — major (bold: critical, such as blaming the client); amber — minor;
green — working well.

**Context**: the situation (missed deadline, outage...) decides what the message owes the client, for example
a new date after a delay; leave it on *infer* to let Candor judge from the text. The client's name lets a
rewrite address them.

**Rewrites** keep what only you know in `[brackets]`. Candor never invents a date, name or amount; any fact
a rewrite drops or adds is flagged before you accept it.

Esc, F1 or Q closes this screen.
"""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96; max-width: 100%; height: 90%; border: thick $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,f1,q", "dismiss(None)", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "Help"
            yield Markdown(HELP)
