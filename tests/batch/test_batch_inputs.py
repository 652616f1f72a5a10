"""Every input of `candor batch`: folders, .eml, mbox, JSONL, CSV; bad messages refused in place, the rest read;
the same message gets the same result whichever format it came in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.batch import record_from_item, review_records
from reviewer.config import Settings
from reviewer.sources import Columns, ReadOptions, Refused, SourceMessage, iter_messages
from tests.drafts import BLAMING, GOOD, MEH, MESSAGES

TEXTS = (GOOD, BLAMING, MEH)


def mail(text: str, n: int, *, quoted: str = "") -> bytes:
    return (
        f'Message-ID: <m{n}@example.com>\nFrom: Tom Reyes <tom@example.com>\nTo: "Cruz, Dana" <dana@client.example>\n'
        f"Date: Tue, 4 Jun 2024 10:0{n}:00 +0200\nSubject: Re: the report\n\n{text}\n{quoted}"
    ).encode()


def mbox(*messages: bytes) -> bytes:
    return b"".join(b"From tom@example.com Tue Jun  4 10:00:00 2024\n" + m + b"\n" for m in messages)


def items(paths: list[Path], options: ReadOptions | None = None) -> list[SourceMessage | Refused]:
    return list(iter_messages(paths, options or ReadOptions(), refused="yield"))


def test_an_mbox_is_split_into_messages_with_their_headers_and_a_broken_one_is_refused_in_place(
    tmp_path: Path,
) -> None:
    broken = b"Subject: scan\nContent-Type: application/pdf\nContent-Disposition: attachment\n\nJVBERi0=\n"
    escaped = mail(MEH + "\n>From now on we will send it on time.", 3)
    archive = tmp_path / "sent.mbox"
    archive.write_bytes(mbox(mail(GOOD, 1, quoted="\nOn Mon, Dana wrote:\n> Where is it?\n"), broken, escaped))
    first, second, third = items([archive])
    assert isinstance(first, SourceMessage) and isinstance(second, Refused) and isinstance(third, SourceMessage)
    assert first.where == f"{archive}#1" and first.message.text == GOOD  # the quoted thread is not reviewed
    assert first.id == "<m1@example.com>" and first.date == "2024-06-04T10:01:00+02:00"
    assert first.author == "Tom Reyes <tom@example.com>" and first.recipients == ('"Cruz, Dana" <dana@client.example>',)
    assert second.where == f"{archive}#2" and "no text or HTML body" in str(second.error)
    assert "From now on we will send it on time." in third.message.text  # mboxrd's ">From " escape undone
    not_mbox = tmp_path / "notes.mbox"
    not_mbox.write_text(GOOD, encoding="utf-8")
    (refused,) = items([not_mbox])
    assert isinstance(refused, Refused) and "not an mbox file" in str(refused.error)


def test_a_jsonl_file_with_a_bad_line_and_non_utf8_keeps_every_good_record(tmp_path: Path) -> None:
    lines = [
        json.dumps({"body": GOOD, "ticket": "T-1", "agent": "Sue", "sent": "2024-06-04", "org": "Acme"}).encode(),
        b'{"body": "unterminated',
        b"",
        json.dumps({"body": BLAMING, "ticket": "T-2"}).encode(),
        json.dumps({"other": "x"}).encode(),
        '{"body": "caf\u00e9 ok"}'.encode("latin-1"),
        b"[1, 2]",
    ]
    path = tmp_path / "tickets.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    columns = Columns(text="body", id="ticket", author="agent", date="sent", client="org")
    found = items([path], ReadOptions(columns=columns))
    assert [i.where.rsplit("#", 1)[1] for i in found] == ["1", "2", "4", "5", "6", "7"]  # blank line 3 skipped
    good, bad_json, blaming, no_text, latin, array = found
    assert isinstance(good, SourceMessage) and good.message.text == GOOD
    assert (good.id, good.author, good.date, good.message.client) == ("T-1", "Sue", "2024-06-04", "Acme")
    assert isinstance(blaming, SourceMessage) and blaming.id == "T-2" and blaming.author is None
    assert isinstance(bad_json, Refused) and "not valid JSON" in str(bad_json.error)
    assert (
        isinstance(no_text, Refused) and "no 'body' field" in str(no_text.error) and "--text-col" in str(no_text.error)
    )
    assert isinstance(latin, Refused) and "not valid UTF-8" in str(latin.error)
    assert isinstance(array, Refused) and "JSON object was expected" in str(array.error)


def test_a_csv_export_with_multiline_fields_a_missing_column_and_another_encoding(tmp_path: Path) -> None:
    path = tmp_path / "helpdesk.csv"
    path.write_text(
        'id,Description,Agent,Created\n7,"' + GOOD.replace(". ", ".\n") + '",Sue,2024-06-04T09:00:00\n8,,Bob,\n'
        f'9,"{BLAMING}",Tom,\n',
        encoding="utf-8",
    )
    options = ReadOptions(columns=Columns(text="Description", id="id", author="Agent", date="Created"))
    first, empty, third = items([path], options)
    assert (
        isinstance(first, SourceMessage)
        and first.id == "7"
        and first.author == "Sue"
        and "17 June" in first.message.text
    )
    assert isinstance(empty, Refused) and "empty input" in str(empty.error) and empty.where == f"{path}#2"
    # The failed row is found by its own id (the help desk's ticket number), its key stays its place in the file.
    from reviewer.batch import refused_result

    assert empty.id == "8" and refused_result(empty)["id"] == "8" and refused_result(empty)["key"] == f"{path}#2"
    assert isinstance(third, SourceMessage) and third.message.text == BLAMING
    (missing,) = items([path], ReadOptions(columns=Columns(text="Body")))
    assert (
        isinstance(missing, Refused)
        and "no column 'Body'" in str(missing.error)
        and "Description" in str(missing.error)
    )

    latin = tmp_path / "latin.csv"
    latin.write_bytes('text\n"Bonjour René, le rapport est en retard."\n'.encode("latin-1"))
    (refused,) = items([latin])
    assert (
        isinstance(refused, Refused) and "not valid UTF-8" in str(refused.error) and "--encoding" in str(refused.error)
    )
    (read,) = items([latin], ReadOptions(encoding="latin-1"))
    assert isinstance(read, SourceMessage) and "René" in read.message.text


def test_a_csv_row_that_cannot_be_read_for_sure_is_refused_not_reviewed_from_the_wrong_text(tmp_path: Path) -> None:
    # An unquoted comma shifts a row's fields: its text column would hold a fragment ("too").
    shifted = tmp_path / "shifted.csv"
    shifted.write_text("id,text\n1,fine text\n2,too,many,fields\n3,also fine\n", encoding="utf-8")
    first, bad, third = items([shifted], ReadOptions(columns=Columns(text="text", id="id")))
    assert isinstance(first, SourceMessage) and isinstance(third, SourceMessage) and third.id == "3"
    assert isinstance(bad, Refused) and "4 fields, the header has 2" in str(bad.error) and bad.id == "2"
    # A quote left open would swallow every later row into one message without a word: it is a read error.
    open_quote = tmp_path / "open.csv"
    open_quote.write_text('id,text\n1,"starts here and\n2,never ends\n', encoding="utf-8")
    (refused,) = items([open_quote])
    assert isinstance(refused, Refused) and "a quoted field is never closed" in str(refused.error)


def test_a_mail_with_a_large_attachment_is_reviewed_but_a_large_text_file_is_not(tmp_path: Path) -> None:
    """Attachments count against a mail's own limit (50 MB), not `max_input_bytes` (2 MB): a Sent folder's mail
    with a 3 MB PDF is an ordinary message, in a folder and in an mbox alike."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "sam@example.com", "ana@example.com", "The report"
    message.set_content(GOOD)
    message.add_attachment(b"%PDF" + bytes(range(256)) * 12_000, maintype="application", subtype="pdf")
    raw = bytes(message)
    assert len(raw) > ReadOptions().max_bytes
    (tmp_path / "sent.eml").write_bytes(raw)
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1700000000.M1P1.host:2,S").write_bytes(raw)
    (in_maildir,) = items([maildir])
    assert isinstance(in_maildir, SourceMessage) and "17 June" in in_maildir.message.text
    (tmp_path / "sent.mbox").write_bytes(b"From sam@example.com Mon Jun  2 10:00:00 2025\n" + raw + b"\n")
    (tmp_path / "notes.txt").write_bytes(b"a" * (ReadOptions().max_bytes + 1))
    mbox_item, eml_item, text_item = items([tmp_path / "sent.mbox", tmp_path / "sent.eml", tmp_path / "notes.txt"])
    for item in (mbox_item, eml_item):
        assert isinstance(item, SourceMessage) and "17 June" in item.message.text
    assert isinstance(text_item, Refused) and "max_input_bytes" in str(text_item.error)


def test_a_malformed_eml_and_a_non_utf8_text_file_are_refused_and_the_folder_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(b"Subject: broken\nContent-Type: text/plain; charset=nonsense-8\n\nHi\xff there\n")
    (tmp_path / "b.txt").write_bytes("Bonjour René".encode("latin-1"))
    (tmp_path / "c.txt").write_text(GOOD, encoding="utf-8")
    found = items([tmp_path])
    assert [type(i).__name__ for i in found] == ["Refused", "Refused", "SourceMessage"]
    assert "charset" in str(found[0].error) and "not valid UTF-8" in str(found[1].error)


def test_the_same_messages_get_the_same_results_from_a_folder_an_mbox_jsonl_and_csv(tmp_path: Path) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    for n, text in enumerate(TEXTS):
        (folder / f"{n}.txt").write_text(text, encoding="utf-8")
    (tmp_path / "sent.mbox").write_bytes(mbox(*(mail(t, n, quoted="\n-- \nTom\n") for n, t in enumerate(TEXTS))))
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in TEXTS), encoding="utf-8")
    (tmp_path / "rows.csv").write_text("text\n" + "".join(f'"{t}"\n' for t in TEXTS), encoding="utf-8")
    settings = Settings(cache=False)
    per_format = []
    for source in (folder, tmp_path / "sent.mbox", tmp_path / "rows.jsonl", tmp_path / "rows.csv"):
        records = [record_from_item(i) for i in items([source]) if isinstance(i, SourceMessage)]
        results = review_records(records, settings)
        per_format.append([(r["text"], r["verdict"], r["overall"], r["scores"], r["findings"]) for r in results])
    assert len(per_format[0]) == 3 and all(found == per_format[0] for found in per_format)


def test_review_records_gives_every_record_a_result_and_judges_by_behaviour() -> None:
    records = [
        {"id": "good", "text": GOOD},
        {"id": "hostile", "text": BLAMING},
        {"id": "q", "text": "> quote"},
        {"id": 4},
    ]
    good, hostile, quoted, textless = review_records(records, Settings(cache=False))
    assert [r["id"] for r in (good, hostile, quoted, textless)] == ["good", "hostile", "q", "4"]
    assert good["status"] == hostile["status"] == "reviewed"
    assert hostile["overall"] < good["overall"] and any(f["severity"] == "critical" for f in hostile["findings"])
    assert quoted["status"] == textless["status"] == "failed" and quoted["stage"] == "read"
    assert "no message text left" in quoted["error"] and quoted["exit_code"] == 2
    json.dumps([good, hostile, quoted, textless])  # plain data, ready for any writer


@pytest.mark.parametrize("name", ["html_reply.eml", "latin1.eml", "plain_reply.txt"])
def test_a_message_gets_a_stable_id_from_its_message_id_else_its_place(name: str) -> None:
    (item,) = items([MESSAGES / name])
    assert isinstance(item, SourceMessage)
    record = record_from_item(item)
    assert record["key"] == str(MESSAGES / name)
    assert record["id"] == (item.id or record["key"])
    assert record_from_item(items([MESSAGES / name])[0]) == record


def test_a_maildir_is_read_as_mail_from_cur_and_new_but_not_tmp(tmp_path: Path) -> None:
    maildir = tmp_path / "Sent"
    for part in ("cur", "new", "tmp"):
        (maildir / part).mkdir(parents=True)
    (maildir / "cur" / "1717490000.M1P2.host:2,S").write_bytes(mail(GOOD, 1))
    (maildir / "new" / "1717490100.M3P4.host").write_bytes(mail(MEH, 2))
    (maildir / "tmp" / "1717490200.M5P6.host").write_bytes(mail(BLAMING, 3))
    (tmp_path / "notes.txt").write_text(BLAMING, encoding="utf-8")
    found = items([tmp_path])
    assert [Path(i.where).relative_to(tmp_path).as_posix().split("/")[:2] for i in found] == [
        ["notes.txt"],  # a folder's own files come before its subfolders'
        ["Sent", "cur"],
        ["Sent", "new"],
    ]
    notes, first, second = found
    assert isinstance(first, SourceMessage) and first.id == "<m1@example.com>" and first.message.text == GOOD
    assert isinstance(second, SourceMessage) and second.author == "Tom Reyes <tom@example.com>"
    assert isinstance(notes, SourceMessage) and notes.message.text == BLAMING
