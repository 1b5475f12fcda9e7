"""The slash command: ack at once, then one command per subcommand, rendered privately."""
from __future__ import annotations

from bot.slack import approvals
from bot.slack.files import ProgressMessage
from bot.slack.listeners import admin, files
from bot.slack.payloads import ModalContext
from bot.slack.views import bulk as bulk_views
from bot.slack.views import messages as msg
from bot.slack.views import modals
from commands import admins, customers, grammar, invitations, resends


def ack_command(config):
    """The ack path: no Slack calls, no database; help and nonsense are answered right here."""

    def ack_slash(ack, body):
        request = grammar.parse(body.get("text"))
        if request.verb == "help":
            text = grammar.usage(config.invite_command)
            if request.problem:
                text = f"{request.problem}\n\n{text}"
            ack(response_type="ephemeral", text=text)
        else:
            ack()

    return ack_slash


def slash(turn) -> None:
    request = grammar.parse(turn.body.get("text"))
    if request.verb == "help":
        return  # answered in the ack
    if request.problem:
        turn.reply(msg.reply(f"{request.problem}\n\n{grammar.usage(turn.config.invite_command)}"))
        return
    HANDLERS[request.verb](turn, request)  # the grammar only yields verbs that have a handler


def _meta(turn) -> ModalContext:
    return ModalContext(channel=turn.channel_id, response_url=turn.body.get("response_url"))


def open_invite(turn, request) -> None:
    view = turn.client.views_open(trigger_id=turn.trigger_id, view=modals.invite_modal(
        [], [], _meta(turn)))  # opened first: trigger ids expire after 3 s
    ws = invitations.workspace_of(turn.actor())
    turn.client.views_update(view_id=view["view"]["id"], hash=view["view"]["hash"],
                             view=modals.invite_modal(ws.access_areas, ws.default_access, _meta(turn)))


def open_status(turn, request) -> None:
    turn.client.views_open(trigger_id=turn.trigger_id, view=modals.status_lookup_modal(_meta(turn)))


def open_resend(turn, request) -> None:
    view = turn.client.views_open(trigger_id=turn.trigger_id, view=modals.resend_modal(
        [("loading", "Loading…")], _meta(turn), command=turn.config.invite_command))
    pending = invitations.pending_for(turn.actor())
    choices = [(i.customer.email, f"{i.customer.email} ({'expired' if i.status == 'expired' else 'invited'})")
               for i in pending]
    turn.client.views_update(view_id=view["view"]["id"], view=modals.resend_modal(
        choices, _meta(turn), command=turn.config.invite_command))


def open_suspend(turn, request) -> None:
    view = turn.client.views_open(trigger_id=turn.trigger_id,
                                  view=modals.suspend_modal(request.email, _meta(turn)))
    actor = turn.actor()
    if not actor.is_admin:
        names = ", ".join(actor.admin_names) or "a workspace owner or admin"
        turn.client.views_update(view_id=view["view"]["id"], view=modals.refusal_modal(
            "Suspend a customer", f"Only team admins can suspend customers. Ask {names}."))


def invite(turn, request) -> None:
    outcome = invitations.invite(turn.actor(), request.email, name=request.name,
                                 account=request.account, job=request.job, channel=turn.channel_id)
    turn.reply(msg.outcome_reply(outcome))
    if outcome.state == "requested":
        approvals.post_request(turn, outcome.invitation)


def status(turn, request) -> None:
    turn.reply(msg.status_message(customers.status(turn.actor(), request.email)))


def list_(turn, request) -> None:
    turn.reply(msg.list_message(customers.list_customers(turn.actor(), request.status, request.page)))


def resend(turn, request) -> None:
    actor = turn.actor()
    if request.all:
        invitations.require_admin(actor, "resend all pending invitations")
        progress = ProgressMessage(turn.client, turn.user_id, "Resending all pending invitations…")
        batch = resends.resend_all(actor, progress=lambda done, total: progress.update(
            bulk_views.resend_progress(done, total)))
        progress.update(f"Resend finished. {batch.message}", final=True)
        turn.reply(msg.batch_reply(batch))
    elif len(request.emails) == 1:
        turn.reply(msg.outcome_reply(resends.resend(actor, request.emails[0])))
    else:
        turn.reply(msg.batch_reply(resends.resend_many(actor, request.emails)))


def revoke(turn, request) -> None:
    turn.reply(msg.outcome_reply(resends.revoke(turn.actor(), request.email)))


def suspend(turn, request) -> None:
    turn.reply(msg.outcome_reply(customers.suspend(turn.actor(), request.email, request.note)))


def reinstate(turn, request) -> None:
    turn.reply(msg.outcome_reply(customers.reinstate(turn.actor(), request.email)))


def admins_(turn, request) -> None:
    if request.sub == "add":
        outcome = admins.add(turn.actor(), request.user_id, f"<@{request.user_id}>")
        turn.directory.forget(turn.team_id, request.user_id)
        turn.reply(msg.reply(outcome.message))
    elif request.sub == "remove":
        outcome = admins.remove(turn.actor(), request.user_id, f"<@{request.user_id}>")
        turn.directory.forget(turn.team_id, request.user_id)
        turn.reply(msg.reply(outcome.message))
    else:
        slack_ids = [p.user_id for p in turn.directory.slack_admins(turn.team_id)]
        app_ids = admins.app_admin_ids(turn.team_id)
        lines = ["*Who can approve, suspend and change settings*",
                 "Workspace owners and admins: " + (", ".join(f"<@{u}>" for u in slack_ids) or "none found"),
                 "Added to invitebot: " + (", ".join(f"<@{u}>" for u in app_ids) or "nobody yet")]
        turn.reply(msg.reply("\n".join(lines)))


HANDLERS = {
    "link": admin.link, "templates": admin.open_templates, "access": admin.open_access,
    "settings": admin.open_settings,
    "bulk": files.open_bulk, "uploads": files.uploads, "export": files.export,
    "open_invite": open_invite, "open_status": open_status, "open_resend": open_resend,
    "open_suspend": open_suspend, "invite": invite, "status": status, "list": list_,
    "resend": resend, "revoke": revoke, "suspend": suspend, "reinstate": reinstate,
    "admins": admins_,
}
