"""Buttons: Approve / Deny (R4), Resend, Revoke, Status, list pages. Each acks at once."""
from __future__ import annotations

from bot.slack import approvals
from bot.slack.listeners.home import publish_home
from bot.slack.payloads import ModalContext, Ref
from bot.slack.views import messages as msg
from bot.slack.views import modals
from commands import customers, invitations, resends
from commands.errors import NotFound


def _ref(turn) -> Ref:
    actions = turn.body.get("actions") or [{}]
    return Ref.load(actions[0].get("value"))


def _invitation_id(turn) -> int:
    ref = _ref(turn)
    if ref.i is None:
        raise NotFound("That button no longer points at an invitation. "
                       f"Type `{turn.config.invite_command} list` to see them.")
    return ref.i


def _email(turn) -> str:
    ref = _ref(turn)
    if not ref.e:
        raise NotFound("That button no longer points at a customer. "
                       f"Type `{turn.config.invite_command} list` to see them.")
    return ref.e


def _clicked_message(turn) -> tuple[str, str] | None:
    container = turn.body.get("container") or {}
    if container.get("type") == "message":
        return container.get("channel_id"), container.get("message_ts")
    return None


def _refresh_home(turn) -> None:
    if (turn.body.get("view") or {}).get("type") == "home":
        publish_home(turn)


def approve(turn) -> None:
    outcome = invitations.approve(turn.actor(), _invitation_id(turn))
    approvals.announce_decision(turn, outcome.invitation, _clicked_message(turn))
    _refresh_home(turn)


def deny(turn) -> None:
    """Opens the reason modal at once; a non-admin sees the refusal there instead (R18)."""
    invitation_id = _invitation_id(turn)
    clicked = _clicked_message(turn) or (None, None)
    meta = ModalContext(invitation=invitation_id, channel=clicked[0], message_channel=clicked[0],
                        message_ts=clicked[1])
    view = turn.client.views_open(trigger_id=turn.trigger_id, view=modals.deny_modal("this customer", meta))
    actor = turn.actor()
    if not actor.is_admin:
        names = ", ".join(actor.admin_names) or "a workspace owner or admin"
        turn.client.views_update(view_id=view["view"]["id"], view=modals.refusal_modal(
            "Deny request", f"Only team admins can deny invitation requests. Ask {names}."))
        return
    customer = customers.of_request(actor, invitation_id)  # only an invitation of the clicker's workspace
    if customer is not None:
        turn.client.views_update(view_id=view["view"]["id"], view=modals.deny_modal(customer.email, meta))


def resend(turn) -> None:
    turn.reply(msg.outcome_reply(resends.resend(turn.actor(), _email(turn))))
    _refresh_home(turn)


def revoke(turn) -> None:
    turn.reply(msg.outcome_reply(resends.revoke(turn.actor(), _email(turn))))
    _refresh_home(turn)


def status(turn) -> None:
    turn.reply(msg.status_message(customers.status(turn.actor(), _email(turn))))


def list_page(turn) -> None:
    ref = _ref(turn)
    view = customers.list_customers(turn.actor(), ref.s, ref.p or 1)
    turn.reply(msg.list_message(view), replace=True)
