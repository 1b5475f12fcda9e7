"""Bulk CSV uploads, the upload history, exports (R12, R13): the work runs after the ack."""
from __future__ import annotations

import tempfile
from pathlib import Path

from bot.slack import ids
from bot.slack.files import ProgressMessage, dm_channel, download, private_url, share_csv
from bot.slack.listeners.buttons import _ref
from bot.slack.origins import slack_origins
from bot.slack.payloads import ModalContext
from bot.slack.views import bulk as views
from bot.slack.views import messages as msg
from bot.slack.views import modals
from commands import bulk, csvfile
from commands.errors import CommandError, NotFound
from commands.export import export_rows, label_for


def open_bulk(turn, request) -> None:
    meta = ModalContext(channel=turn.channel_id, response_url=turn.body.get("response_url"))
    view = turn.client.views_open(trigger_id=turn.trigger_id,
                                  view=views.bulk_modal(meta, csvfile.Limits().max_bytes // 1_000_000))
    actor = turn.actor()
    if not actor.is_admin:
        names = ", ".join(actor.admin_names) or "a workspace owner or admin"
        turn.client.views_update(view_id=view["view"]["id"], view=modals.refusal_modal(
            "Upload customers", f"Only team admins can upload customers in bulk. Ask {names}."))


def ack_bulk(ack, body):
    files = modals.values(body.get("view") or {}).get(ids.FILE) or []
    if not files:
        ack(response_action="errors", errors={ids.FILE: "Choose a CSV file to upload."})
    else:
        ack()


def bulk_upload(turn) -> None:
    values = modals.values(turn.body.get("view") or {})
    file = (values.get(ids.FILE) or [{}])[0]
    name = Path(file.get("name") or "customers.csv").name
    command = turn.config.invite_command
    if not file.get("id"):
        raise NotFound(f"Slack did not pass the file on. Upload it again with `{command} bulk`.")
    actor = turn.actor()
    bulk.require_admin(actor, "upload customers in bulk")
    progress = ProgressMessage(turn.client, turn.user_id, f"Importing {name}…")
    files_origin = slack_origins(turn.config.slack_api_url).files
    with tempfile.TemporaryDirectory(prefix="invitebot-upload-") as tmp:
        try:
            # The payload's url_private is never fetched: Slack's own record of the file says where it is.
            url = private_url(turn.client, file["id"], files_origin, command)
            path = download(url, turn.config.bot_token, Path(tmp) / "upload.csv", csvfile.Limits().max_bytes,
                            files_origin=files_origin, command=command)
            upload = bulk.import_csv(actor, path, file_name=name, send=bool(values.get(ids.SEND_NOW)),
                                     progress=lambda u: progress.update(views.progress_text(u)))
        except CommandError as exc:  # a refused file, or the same file being imported right now
            progress.update(f"{name} was not imported: {exc.message}", final=True)
            return
    progress.update(views.summary_text(upload), final=True)
    stem = Path(name).stem
    share_csv(turn.client, progress.channel, f"{stem}-succeeded.csv", bulk.succeeded_rows(upload),
              f"Upload #{upload.id}: succeeded rows")
    share_csv(turn.client, progress.channel, f"{stem}-failed.csv", bulk.failed_rows(upload),
              f"Upload #{upload.id}: failed rows (fix and upload again)")


def uploads(turn, request) -> None:
    turn.reply(views.uploads_message(bulk.uploads(turn.actor()), command=turn.config.invite_command))


def failed_rows(turn) -> None:
    ref = _ref(turn)
    upload = bulk.upload_of(turn.actor(), ref.i or 0)
    share_csv(turn.client, dm_channel(turn.client, turn.user_id), f"upload-{upload.id}-failed.csv",
              bulk.failed_rows(upload), f"Upload #{upload.id}: failed rows")
    turn.reply(msg.reply(f"I sent you the failed rows of upload #{upload.id} by direct message."))


def export(turn, request) -> None:
    actor = turn.actor()
    rows = list(export_rows(actor, request.status or "invited"))
    what = label_for(request.status or "invited")
    share_csv(turn.client, dm_channel(turn.client, turn.user_id), f"invitations-{what.lower().replace(' ', '-')}.csv",
              rows, f"{len(rows) - 1} {what} customer(s)")
    turn.reply(msg.reply(f"I sent you the export ({len(rows) - 1} {what} customer(s)) by direct message."))


