"""R12/R13 in Slack, through the local stand-in over HTTP: `/invite bulk` with a file_input, the file
fetched from url_private with the bot token, a progress DM updated with chat.update, the two result
files shared with files_upload_v2, `/invite uploads` and its Failed rows button, `/invite export`, and
`resend all` with its progress message."""
from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from bot.slack import ids
from commands import bulk
from commands.actor import Actor
from storage.db import database
from storage.models import Customer, OutboxEmail, Upload

from bulk.conftest import ADMIN, AGENT, formula_cells, generated_rows, parse_csv, write_csv
from conftest import TEAM

ROWS = [["1001", "ana@example.com", "Ana", "Lima"], ["145722", "Mark", "", ""],
        ["1002", "ben@example.com", "Ben", ""], ["238572", "", "", ""], ["1001", "cy@example.com", "Cy", "Ng"]]


def _csv_bytes(tmp_path, rows, name="customers.csv") -> bytes:
    return write_csv(tmp_path / name, rows).read_bytes()


def _replies(side, before: int, count: int = 1) -> list[dict]:
    return [c.args for c in side.slack.wait_for("response_url", before + count, timeout=30)[before:]]


def _buttons(message: dict) -> dict[str, str]:
    found = {}
    for block in message.get("blocks") or []:
        accessory = block.get("accessory") or {}
        if accessory.get("type") == "button":
            found[accessory["action_id"]] = accessory["value"]
    return found


def test_an_admins_upload_is_fetched_with_the_bot_token_imported_and_both_files_shared(slack_app, tmp_path):
    side = slack_app
    view = side.open_bulk_modal(ADMIN)
    elements = [b.get("element", {}).get("type") for b in view["blocks"]]
    assert "file_input" in elements
    file = side.slack.add_file("customers.csv", _csv_bytes(tmp_path, ROWS))

    answer = side.submit_file(ADMIN, view, file, send=True)

    assert answer.status == 200
    shared = side.shared(2)
    side.settle()
    assert [c.args["id"] for c in side.slack.calls_to("file_download")] == [file["id"]]
    with pytest.raises(urllib.error.HTTPError) as no_token:  # url_private needs the bot token
        urllib.request.urlopen(file["url_private_download"], timeout=10)
    assert no_token.value.code == 403

    posted = side.slack.calls_to("chat.postMessage")
    assert [(c.args["channel"], c.args["text"]) for c in posted] == [(ADMIN, "Importing customers.csv…")]
    updates = side.slack.calls_to("chat.update")
    assert updates and all(u.args["channel"] == "D0ADMIN" for u in updates)
    assert all(u.args["text"].startswith("Importing customers.csv: ") for u in updates[:-1])
    assert updates[-1].args["text"] == (
        "Upload #1 of customers.csv is done: 3 succeeded, 2 failed, 0 skipped (already enrolled) of 5 rows; "
        "invitations sent. The failed rows are in the attached file, with the error in the last column: "
        "fix them and upload that file again.")

    by_name = {f["name"]: f for f in shared}
    assert set(by_name) == {"customers-succeeded.csv", "customers-failed.csv"}
    assert {f["channel"] for f in shared} == {"D0ADMIN"}
    succeeded = parse_csv(by_name["customers-succeeded.csv"]["content"].decode("utf-8"))
    assert succeeded == [["Account Number", "Customer Email", "Customer Name", "Result"],
                         ["1001", "ana@example.com", "Ana Lima", "Invited"],
                         ["1002", "ben@example.com", "Ben", "Invited"],
                         ["1001", "cy@example.com", "Cy Ng", "Invited"]]
    failed = parse_csv(by_name["customers-failed.csv"]["content"].decode("utf-8"))
    assert failed == [["Account Number", "Customer Email", "Customer First Name", "Customer Last Name", "Error"],
                      ["145722", "Mark", "", "", "Customer Email must be valid"],
                      ["238572", "", "", "", "Customer Email field must not be empty"]]
    assert by_name["customers-failed.csv"]["title"] == "Upload #1: failed rows (fix and upload again)"
    with database.connection_context():
        assert sorted(o.to_address for o in OutboxEmail.select()) == \
            ["ana@example.com", "ben@example.com", "cy@example.com"]
        assert {c.email: c.role for c in Customer.select()} == \
            {"ana@example.com": "admin", "ben@example.com": "admin", "cy@example.com": "member"}


def test_a_larger_file_reports_progress_in_the_same_message_until_the_summary(slack_app, tmp_path):
    side = slack_app
    view = side.open_bulk_modal(ADMIN)
    file = side.slack.add_file("many.csv", _csv_bytes(tmp_path, generated_rows(12_000), "many.csv"))

    side.submit_file(ADMIN, view, file, send=False)

    side.shared(2, timeout=120)
    side.settle()
    updates = [u.args for u in side.slack.calls_to("chat.update")]
    assert len({(u["channel"], u["ts"]) for u in updates}) == 1  # one message, edited in place
    for update in updates[:-1]:
        assert update["text"].startswith("Importing many.csv: ") and "of 12,000 rows" in update["text"]
    assert updates[-1]["text"].startswith("Upload #1 of many.csv is done: 12000 succeeded, 0 failed")
    assert updates[-1]["text"].endswith("customers created without sending. No row failed.")
    with database.connection_context():
        assert (Customer.select().count(), OutboxEmail.select().count()) == (12_000, 0)


def test_a_refused_file_is_reported_in_the_progress_message_and_kept_in_the_history(slack_app, tmp_path):
    side = slack_app
    view = side.open_bulk_modal(ADMIN)
    file = side.slack.add_file("customers.png", b"\x89PNG\r\n\x1a\n" + bytes(64))

    side.submit_file(ADMIN, view, file)

    final = side.slack.wait_for("chat.update", timeout=30)[-1].args["text"]
    side.settle()
    assert final.startswith("customers.png was not imported: This is not a CSV file")
    assert side.slack.uploaded() == []
    before = len(side.slack.calls_to("response_url"))
    side.command(ADMIN, "uploads")
    history = _replies(side, before)[0]
    assert "#1 customers.png* — refused" in history["blocks"][1]["text"]["text"]
    assert "This is not a CSV file" in history["blocks"][1]["text"]["text"]
    with database.connection_context():
        assert Customer.select().count() == 0


def _late_bad_bytes() -> bytes:
    """A UTF-8 CSV with bytes in another encoding on a line past the first 64 KB."""
    rows = [f"A{i // 3:06d},customer{i}@example.com,First{i},Last\r\n" for i in range(1500)]
    head = ("Account Number,Customer Email,Customer First Name,Customer Last Name\r\n" + "".join(rows)).encode()
    assert len(head) > 64 * 1024
    return head + b"B1,\xff\xfe@example.com,Bad,Bytes\r\n" + rows[0].replace("customer0", "late").encode()


@pytest.mark.parametrize("name, content, refusal", [
    ("boms.csv", b"\xef\xbb\xbf\xef\xbb\xbf", "The file is empty."),
    ("utf16-boms.csv", b"\xff\xfe\xff\xfe", "The file is empty."),
    ("late.csv", _late_bad_bytes(), "The file is not UTF-8 text: line 1502 has characters in another encoding."),
])
def test_a_file_that_is_not_text_ends_the_progress_message_with_the_refusal(slack_app, name, content, refusal):
    side = slack_app
    view = side.open_bulk_modal(ADMIN)
    file = side.slack.add_file(name, content)

    side.submit_file(ADMIN, view, file)

    final = side.slack.wait_for("chat.update", timeout=30)[-1].args["text"]
    side.settle()
    assert final.startswith(f"{name} was not imported: {refusal}")
    assert "CSV UTF-8" in final or "header" in final  # what to do next
    assert side.slack.uploaded() == []
    before = len(side.slack.calls_to("response_url"))
    side.command(ADMIN, "uploads")
    history = _replies(side, before)[0]["blocks"][1]["text"]["text"]
    assert f"#1 {name}* — refused" in history and refusal in history
    with database.connection_context():
        assert (Customer.select().count(), OutboxEmail.select().count()) == (0, 0)


def test_uploads_lists_the_history_and_the_failed_rows_button_sends_that_file_again(slack_app, tmp_path):
    side = slack_app
    admin = Actor(TEAM, ADMIN, "Ada Admin", is_admin=True)
    with database.connection_context():
        clean = bulk.import_csv(admin, write_csv(tmp_path / "clean.csv", generated_rows(4)), send=True)
        messy = bulk.import_csv(admin, write_csv(tmp_path / "messy.csv", ROWS), send=False)

    before = len(side.slack.calls_to("response_url"))
    side.command(ADMIN, "uploads")
    history = _replies(side, before)[0]

    texts = [b["text"]["text"] for b in history["blocks"]]
    assert texts[0] == "*Upload history*"
    assert f"*#{messy.id} messy.csv* — done" in texts[1] and "5 rows: 3 succeeded, 2 failed, 0 skipped" in texts[1]
    assert f"*#{clean.id} clean.csv* — done" in texts[2] and "4 rows: 4 succeeded, 0 failed" in texts[2]
    assert ids.UPLOAD_FAILED_ROWS not in _buttons({"blocks": [history["blocks"][2]]})
    value = _buttons({"blocks": [history["blocks"][1]]})[ids.UPLOAD_FAILED_ROWS]

    side.sim.click(ADMIN, ids.UPLOAD_FAILED_ROWS, value, channel="C0GENERAL", message_ts="1.1")

    shared = side.shared(1)
    side.settle()
    assert [(f["name"], f["channel"]) for f in shared] == [(f"upload-{messy.id}-failed.csv", "D0ADMIN")]
    rows = parse_csv(shared[0]["content"].decode("utf-8"))
    assert [r[1] for r in rows[1:]] == ["Mark", ""]
    assert rows[1][-1] == "Customer Email must be valid"
    assert any(f"I sent you the failed rows of upload #{messy.id} by direct message." == r.get("text")
               for r in (c.args for c in side.slack.calls_to("response_url")))


def test_a_non_admin_cannot_upload_even_by_submitting_the_modal_and_nothing_is_imported(slack_app, tmp_path):
    side = slack_app
    view = side.open_bulk_modal(AGENT)
    refusal = side.slack.wait_for("views.update", timeout=10)[-1].args["view"]
    assert "Only team admins can upload customers in bulk. Ask Ada Admin." in str(refusal)
    file = side.slack.add_file("customers.csv", _csv_bytes(tmp_path, ROWS))
    before = len(side.slack.calls_to("response_url"))

    side.submit_file(AGENT, view, file)

    reply = _replies(side, before)[0]
    side.settle()
    assert "admin" in reply["text"].lower() and "Ada Admin" in reply["text"]
    assert side.slack.calls_to("file_download") == []
    assert side.slack.uploaded() == []
    with database.connection_context():
        assert (Customer.select().count(), Upload.select().count()) == (0, 0)


def test_uploads_and_export_are_refused_to_a_non_admin(slack_app):
    side = slack_app
    before = len(side.slack.calls_to("response_url"))
    side.command(AGENT, "uploads")
    side.command(AGENT, "export")
    replies = _replies(side, before, 2)
    side.settle()
    assert all("Ada Admin" in r["text"] for r in replies)
    assert side.slack.uploaded() == []


def test_export_sends_a_csv_by_dm_where_no_cell_starts_a_formula(slack_app, tmp_path):
    side = slack_app
    admin = Actor(TEAM, ADMIN, "Ada Admin", is_admin=True)
    rows = [["=HYPERLINK(\"http://x\")", "f1@example.com", "=cmd|' /C calc'!A0", ""],
            ["+1", "f2@example.com", "+1", "+2"], ["-1", "f3@example.com", "-1", ""],
            ["@SUM(A1)", "f4@example.com", "@SUM(1+1)*cmd", ""]]
    with database.connection_context():
        bulk.import_csv(admin, write_csv(tmp_path / "formulas.csv", rows), send=True)
        Customer.update(name="\t=1+1").where(Customer.email == "f3@example.com").execute()
        Customer.update(name="\r=2+2").where(Customer.email == "f4@example.com").execute()

    before = len(side.slack.calls_to("response_url"))
    side.command(ADMIN, "export")
    shared = side.shared(1)
    reply = _replies(side, before)[0]
    side.settle()

    assert shared[0]["name"] == "invitations-invited.csv" and shared[0]["channel"] == "D0ADMIN"
    assert reply["text"] == "I sent you the export (4 Invited customer(s)) by direct message."
    table = parse_csv(shared[0]["content"].decode("utf-8"))
    assert table[0][:4] == ["Customer Email", "Customer Name", "Account Number", "Status"]
    assert formula_cells(table) == []
    names = {row[0]: (row[1], row[2]) for row in table[1:]}
    assert names == {"f1@example.com": ("'=cmd|' /C calc'!A0", "'=HYPERLINK(\"http://x\")"),
                     "f2@example.com": ("'+1 +2", "'+1"), "f3@example.com": ("'\t=1+1", "'-1"),
                     "f4@example.com": ("'\r=2+2", "'@SUM(A1)")}


def test_resend_all_posts_a_progress_message_and_sends_a_fresh_link_to_everyone_pending(slack_app, tmp_path):
    side = slack_app
    admin = Actor(TEAM, ADMIN, "Ada Admin", is_admin=True)
    with database.connection_context():
        bulk.import_csv(admin, write_csv(tmp_path / "three.csv", generated_rows(3)), send=True)
        assert OutboxEmail.select().count() == 3

    before = len(side.slack.calls_to("response_url"))
    side.command(ADMIN, "resend all")
    reply = _replies(side, before)[0]
    side.settle()

    posted = [c.args for c in side.slack.calls_to("chat.postMessage")]
    assert [(p["channel"], p["text"]) for p in posted] == [(ADMIN, "Resending all pending invitations…")]
    updates = [c.args["text"] for c in side.slack.calls_to("chat.update")]
    assert all(t.startswith("Resending: ") and t.endswith("of 3 invitations…") for t in updates[:-1])
    assert updates[-1].startswith("Resend finished.")
    assert "3" in reply["text"]
    with database.connection_context():
        assert OutboxEmail.select().count() == 6
