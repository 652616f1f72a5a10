"""Carrying finding spans across edits: the pure part of "highlights stay correct as the text is edited"."""

from __future__ import annotations

import pytest

from tui.widgets.editor import Mark, carry_marks, diff_window

TEXT = "We will ship it ASAP. Due to the vendor, it slipped."
ASAP = Mark(0, TEXT.index("ASAP"), TEXT.index("ASAP") + 4, "major")
VENDOR = Mark(1, TEXT.index("Due to"), TEXT.index("vendor") + 6, "major")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("abc", "abc", (3, 3, 3)),
        ("abc", "abXc", (2, 2, 3)),
        ("abc", "ac", (1, 2, 1)),
        ("", "hello", (0, 0, 5)),
        ("hello", "", (0, 5, 0)),
        ("one two three", "one 2 three", (4, 7, 5)),
    ],
)
def test_diff_window_is_the_smallest_changed_window(old: str, new: str, expected: tuple[int, int, int]) -> None:
    start, old_end, new_end = diff_window(old, new)
    assert (start, old_end, new_end) == expected
    assert old[:start] + new[start:new_end] + old[old_end:] == new


def test_marks_after_an_insertion_shift_and_marks_before_it_stay() -> None:
    new = "Hello. " + TEXT
    carried = carry_marks([ASAP, VENDOR], TEXT, new)
    assert [new[m.start : m.end] for m in carried] == ["ASAP", "Due to the vendor"]


def test_a_mark_the_edit_touches_is_dropped_and_the_rest_are_kept() -> None:
    new = TEXT.replace("ASAP", "by Friday")
    carried = carry_marks([ASAP, VENDOR], TEXT, new)
    assert [m.index for m in carried] == [1]
    assert new[carried[0].start : carried[0].end] == "Due to the vendor"


def test_typing_right_after_or_right_before_a_phrase_keeps_it() -> None:
    at_end = TEXT[: ASAP.end] + "!" + TEXT[ASAP.end :]
    at_start = TEXT[: ASAP.start] + "very " + TEXT[ASAP.start :]
    assert [at_end[m.start : m.end] for m in carry_marks([ASAP], TEXT, at_end)] == ["ASAP"]
    assert [at_start[m.start : m.end] for m in carry_marks([ASAP], TEXT, at_start)] == ["ASAP"]
