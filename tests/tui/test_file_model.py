"""The file model without Textual: where Ctrl+S and Save as write, when they ask, and what they never overwrite."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.config import Settings
from reviewer.errors import InputError
from tui.files import AskForPath, ConfirmOverwrite, Draft, DraftFile, Refuse, Write, load_draft

EMAIL = b"From: sam@example.com\nTo: dana@example.com\nSubject: Dashboard\n\nHi Dana,\n\nIt is late. Sorry.\n\nSam\n"


def opened(path: Path) -> DraftFile:
    return DraftFile.of(load_draft(path, Settings()))


def test_a_new_draft_asks_where_to_save_and_then_saves_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    file = DraftFile.of(Draft(text=""))
    assert file.name == "new draft" and not file.modified("") and file.modified("Hi")
    assert file.plan_save() == AskForPath(tmp_path / "draft.txt")
    target = tmp_path / "reply.txt"
    assert file.plan_save_as(target) == Write(target)
    file.write(target, "Hi")
    assert target.read_text(encoding="utf-8") == "Hi\n"
    assert not file.modified("Hi") and file.name == "reply.txt"
    assert file.plan_save() == Write(target)
    assert file.plan_save_as(target) == Write(target)  # its own file, unchanged since: no question


def test_a_file_changed_on_disk_is_confirmed_before_it_is_overwritten(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("We missed the date.\n", encoding="utf-8")
    file = opened(draft)
    assert file.plan_save() == Write(draft)
    draft.write_text("someone else's longer version\n", encoding="utf-8")
    assert file.plan_save() == ConfirmOverwrite(draft, "changed on disk since Candor read it")
    assert file.plan_save_as(draft) == ConfirmOverwrite(draft, "already exists")


def test_save_as_asks_before_overwriting_another_file_and_refuses_a_folder(tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("keep me\n", encoding="utf-8")
    file = DraftFile.of(Draft(text="draft"))
    assert file.plan_save_as(other) == ConfirmOverwrite(other, "already exists")
    assert file.plan_save_as(tmp_path) == Refuse(f"{tmp_path} is a folder; give a file name.")


def test_an_email_is_never_a_save_target_whatever_path_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    eml = tmp_path / "reply.eml"
    eml.write_bytes(EMAIL)
    file = opened(eml)
    assert file.save_path is None and file.stamp is None
    assert file.plan_save() == AskForPath(tmp_path / "reply.candor.txt")
    monkeypatch.chdir(tmp_path)
    for same in (eml, Path("reply.eml"), Path("./reply.eml")):
        plan = file.plan_save_as(same)
        assert isinstance(plan, AskForPath), same
        assert plan.initial.resolve() == (tmp_path / "reply.candor.txt").resolve()
        assert plan.why is not None and "never saves over it" in plan.why
    assert eml.read_bytes() == EMAIL


def test_another_existing_email_is_not_overwritten_either(tmp_path: Path) -> None:
    thread = tmp_path / "thread.eml"
    thread.write_bytes(EMAIL)
    file = DraftFile.of(Draft(text="a plain draft"))
    plan = file.plan_save_as(thread)
    assert isinstance(plan, AskForPath) and plan.initial == tmp_path / "thread.candor.txt"
    new_email = tmp_path / "new.eml"  # nothing there yet, so nothing to lose
    assert file.plan_save_as(new_email) == Write(new_email)


def test_a_file_whose_quoted_reply_was_left_out_is_not_saved_over(tmp_path: Path) -> None:
    reply = tmp_path / "reply.txt"
    reply.write_text(
        "Hi Dana,\n\nSorry, it is late.\n\nSam\n\n> On Monday Dana wrote:\n> Where is it?\n", encoding="utf-8"
    )
    file = opened(reply)
    assert file.save_path is None
    plan = file.plan_save_as(reply)
    assert isinstance(plan, AskForPath) and plan.initial == tmp_path / "reply.candor.txt"


def test_a_failed_load_or_write_changes_nothing(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("We missed the date.\n", encoding="utf-8")
    file = opened(draft)
    before = (file.origin, file.save_path, file.stamp, file.saved_text)
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\x00\x00binary")
    with pytest.raises(InputError):
        file.load(binary, Settings())
    with pytest.raises(OSError):
        file.write(tmp_path / "no such folder" / "draft.txt", "new text")
    assert (file.origin, file.save_path, file.stamp, file.saved_text) == before
