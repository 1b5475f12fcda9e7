"""Pure builders for bulk uploads, their history, and exports."""
from __future__ import annotations

from bot.slack import ids
from bot.slack.payloads import ModalContext, Ref
from bot.slack.views.messages import button, escape, section, slack_date
from commands.csvfile import EXPECTED_HEADER


def bulk_modal(meta: ModalContext, max_mb: int) -> dict:
    send = {"text": {"type": "plain_text", "text": "Send the invitations now"}, "value": "yes"}
    return {"type": "modal", "callback_id": ids.BULK_MODAL, "private_metadata": meta.dump(),
            "title": {"type": "plain_text", "text": "Upload customers"},
            "submit": {"type": "plain_text", "text": "Upload"},
            "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [
                section(f"A CSV file with the header `{EXPECTED_HEADER}` (the names are optional; "
                        f"`Full Name` and `Work Email Address` work too). Up to {max_mb} MB."),
                {"type": "input", "block_id": ids.FILE, "label": {"type": "plain_text", "text": "CSV file"},
                 "element": {"type": "file_input", "action_id": ids.FILE, "filetypes": ["csv", "txt"],
                             "max_files": 1}},
                {"type": "input", "block_id": ids.SEND_NOW, "optional": True,
                 "label": {"type": "plain_text", "text": "Sending"},
                 "element": {"type": "checkboxes", "action_id": ids.SEND_NOW, "options": [send]},
                 "hint": {"type": "plain_text", "text": "Leave unticked to create the customers only; "
                                                        "send later with resend."}},
            ]}


def progress_text(upload) -> str:
    return (f"Importing {upload.file_name}: {upload.rows_done:,} of {upload.rows_total:,} rows "
            f"({upload.succeeded:,} succeeded, {upload.failed:,} failed, {upload.skipped:,} skipped)…")


def summary_text(upload) -> str:
    return (f"Upload #{upload.id} of {upload.file_name} is done: {upload.message}. "
            + ("The failed rows are in the attached file, with the error in the last column: "
               "fix them and upload that file again." if upload.failed else "No row failed."))


def uploads_message(uploads: list, *, command: str) -> dict:
    if not uploads:
        return {"text": "No uploads yet.", "blocks": [section(f"No uploads yet. Type `{command} bulk` to "
                                                             "upload a CSV file of customers.")]}
    blocks = [section("*Upload history*")]
    for u in uploads[:40]:
        text = (f"*#{u.id} {escape(u.file_name)}* — {u.state}, {slack_date(u.created_at)} by "
                f"<@{u.uploader}>\n{u.rows_total:,} rows: {u.succeeded:,} succeeded, {u.failed:,} failed, "
                f"{u.skipped:,} skipped" + ("" if u.state != "refused" else f"\n{escape(u.message)}"))
        accessory = button("Failed rows", ids.UPLOAD_FAILED_ROWS, Ref(i=u.id)) if u.failed else None
        blocks.append(section(text, accessory))
    return {"text": f"{len(uploads)} upload(s)", "blocks": blocks}


def resend_progress(done: int, total: int) -> str:
    return f"Resending: {done:,} of {total:,} invitations…"

