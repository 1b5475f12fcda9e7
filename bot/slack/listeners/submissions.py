"""Modal submissions: field errors inline in the ack (no Slack calls there), the work after it."""
from __future__ import annotations

from bot.slack import approvals, ids
from bot.slack.views import messages as msg
from bot.slack.views import modals
from commands import customers, inputs, invitations, resends
from commands.actor import Actor
from commands.errors import CommandError, InvalidInput
from storage.db import session


def _field_errors(checks: dict) -> dict:
    """Run each field's validator; collect the messages by block id."""
    errors = {}
    for block_id, check in checks.items():
        try:
            check()
        except InvalidInput as exc:
            errors[block_id] = exc.message[:150]
    return errors


def _ack_errors(ack, errors: dict) -> None:
    if errors:
        ack(response_action="errors", errors=errors)
    else:
        ack()


def _values(body) -> dict:
    return modals.values(body.get("view") or {})


def _invite_errors(v: dict) -> dict:
    return _field_errors({
        ids.EMAIL: lambda: inputs.email(v.get(ids.EMAIL)),
        ids.NAME: lambda: inputs.text(v.get(ids.NAME), what="name", limit=inputs.MAX_NAME),
        ids.ACCOUNT: lambda: inputs.text(v.get(ids.ACCOUNT), what="account number", limit=inputs.MAX_REF),
        ids.JOB: lambda: inputs.text(v.get(ids.JOB), what="job reference", limit=inputs.MAX_REF),
    })


def ack_invite(ack, body):
    _ack_errors(ack, _invite_errors(_values(body)))


def invite(turn) -> None:
    v = _values(turn.body)
    if _invite_errors(v):
        return  # Bolt runs the lazy part even after an inline refusal; the form is still open
    outcome = invitations.invite(turn.actor(), v.get(ids.EMAIL), name=v.get(ids.NAME, ""),
                                 account=v.get(ids.ACCOUNT), job=v.get(ids.JOB),
                                 access=v.get(ids.ACCESS) if ids.ACCESS in v else None,
                                 channel=turn.modal.channel, send=bool(v.get(ids.SEND_NOW)))
    turn.reply(msg.outcome_reply(outcome))
    if outcome.state == "requested":
        approvals.post_request(turn, outcome.invitation)


def ack_status(command: str):
    """Looks the customer up right away and shows the answer in the modal (a database read only);
    `command` is the slash command as people type it, for the hints in the answer."""

    def ack_status_submission(ack, body):
        v = _values(body)
        actor = Actor(team_id=(body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id", ""),
                      user_id=(body.get("user") or {}).get("id", ""), command=command)
        try:
            with session():
                view = customers.status(actor, v.get(ids.EMAIL))
                message = msg.status_message(view)
        except CommandError as exc:
            ack(response_action="errors", errors={ids.EMAIL: exc.message[:150]})
            return
        ack(response_action="update", view=modals.result_modal("Invitation status", message))

    return ack_status_submission


def resend(turn) -> None:
    picked = _values(turn.body).get(ids.PICK) or []
    turn.reply(msg.batch_reply(resends.resend_many(turn.actor(), picked)))


def _suspend_errors(v: dict) -> dict:
    return _field_errors({
        ids.EMAIL: lambda: inputs.email(v.get(ids.EMAIL)),
        ids.NOTE: lambda: _required_note(v.get(ids.NOTE)),
    })


def ack_suspend(ack, body):
    _ack_errors(ack, _suspend_errors(_values(body)))


def _required_note(value: str | None) -> None:
    if not inputs.text(value, what="note", limit=inputs.MAX_NOTE, multiline=True):
        raise InvalidInput("Add a note; the customer sees it when they try to log in.")


def suspend(turn) -> None:
    v = _values(turn.body)
    if _suspend_errors(v):
        return  # refused inline in the ack
    turn.reply(msg.outcome_reply(customers.suspend(turn.actor(), v.get(ids.EMAIL), v.get(ids.NOTE))))


def _deny_errors(v: dict) -> dict:
    return _field_errors({ids.REASON: lambda: inputs.text(v.get(ids.REASON), what="reason",
                                                          limit=inputs.MAX_REASON, multiline=True)})


def ack_deny(ack, body):
    _ack_errors(ack, _deny_errors(_values(body)))


def deny(turn) -> None:
    if _deny_errors(_values(turn.body)):
        return  # refused inline in the ack
    meta = turn.modal
    outcome = invitations.deny(turn.actor(), meta.invitation or 0, _values(turn.body).get(ids.REASON, ""))
    approvals.announce_decision(turn, outcome.invitation, (meta.message_channel, meta.message_ts))
    turn.reply(msg.outcome_reply(outcome))
