"""Inviting, approving and denying (R1–R5, R8); resending and revoking are in commands/resends.py."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import peewee as pw

from commands import history, inputs, outbox
from commands.actor import SIGNUP, Actor
from commands.clock import clock
from commands.credentials import new_token
from commands.errors import AlreadyDecided, Conflict, InvalidInput, NotFound, NotPermitted
from commands.results import Outcome
from storage.db import atomic, is_postgres
from storage.models import Customer, Invitation, RequestMessage, Workspace


def workspace_of(actor: Actor) -> Workspace:
    return Workspace.for_team(actor.team_id, clock.now())


def require_admin(actor: Actor, action: str) -> None:
    """R18: refusals name the admins to ask."""
    if not actor.is_admin:
        raise NotPermitted(action, actor.admin_names)


def _date(value: dt.datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


def _access(ws: Workspace, access: list[str] | None) -> list[str]:
    if access is None:
        return list(ws.default_access or [])
    unknown = [a for a in access if a not in ws.access_areas]
    if unknown:
        raise InvalidInput(f"Unknown access area(s): {', '.join(unknown)}. Choose from: "
                           f"{', '.join(ws.access_areas)}.", field="access")
    return list(access)


def _check_job_limit(ws: Workspace, job: str, command: str) -> None:
    """R8: at most N invitees per job are open or enrolled."""
    holders = [i for i in Invitation.holding_job_slot(ws, job)
               if i.status != Invitation.ACCEPTED or i.customer.is_enrolled]
    if len(holders) >= ws.job_limit:
        names = ", ".join(f"{i.customer.email} ({'Enrolled' if i.status == Invitation.ACCEPTED else 'open'})"
                          for i in holders)
        raise Conflict(f"Job {job} already has {len(holders)} invitees, the most allowed "
                       f"({ws.job_limit}): {names}. To free a slot, revoke an open invitation "
                       f"with `{command} revoke <email>`, or ask an admin to raise the per-job limit.",
                       field="job")


# The details of an existing customer only admins change, and how people call them (R16).
DETAILS = {"name": "Name", "account_number": "Account", "access_areas": "Access"}


class Change(NamedTuple):
    """One detail of a customer an agent's request would change, as text to show (before → after)."""

    field: str  # a key of DETAILS
    before: str
    after: str

    @property
    def label(self) -> str:
        return DETAILS[self.field]


def _shown(value) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return value or "none"


def _differences(customer: Customer, proposed: dict) -> list[Change]:
    return [Change(field, _shown(getattr(customer, field)), _shown(proposed[field]))
            for field in DETAILS if field in proposed]


def _differing(customer: Customer, name: str, account: str | None, areas: list[str] | None) -> dict:
    """The details given that differ from the customer's; an empty name or account keeps theirs."""
    proposed = {}
    if name and name != customer.name:
        proposed["name"] = name
    if account and account != customer.account_number:
        proposed["account_number"] = account
    if areas is not None and set(areas) != set(customer.access_areas or []):
        proposed["access_areas"] = areas
    return proposed


def proposed_changes(invitation: Invitation) -> list[Change]:
    """What approving this request would change in its customer's details (R4, R16)."""
    return _differences(invitation.customer, invitation.proposed_changes or {})


def changes_text(changes: list[Change]) -> str:
    return "; ".join(f"{c.label}: {c.before} → {c.after}" for c in changes)


def _apply_proposed(inv: Invitation) -> list[Change]:
    """On approval, the details the request proposed become the customer's; returns what changed."""
    customer = inv.customer
    proposed = {f: v for f, v in (inv.proposed_changes or {}).items() if f in DETAILS}
    if "access_areas" in proposed:  # only areas the workspace still offers
        offered = inv.workspace.access_areas
        proposed["access_areas"] = [a for a in proposed["access_areas"] if a in offered]
    proposed = _differing(customer, proposed.get("name", ""), proposed.get("account_number"),
                          proposed.get("access_areas"))
    changes = _differences(customer, proposed)
    if proposed:
        Customer.update(**proposed).where(Customer.id == customer.id).execute()
        for field, value in proposed.items():
            setattr(customer, field, value)
    return changes


def _explain_open(inv: Invitation, command: str) -> Conflict:
    email = inv.customer.email
    if inv.status == Invitation.REQUESTED:
        return Conflict(f"{email} already has an invitation request from {inv.inviter_name or inv.inviter} "
                        f"waiting for an admin's approval (since {_date(inv.created_at)}). "
                        "Nothing new was sent; an admin can approve the existing request.",
                        field="email", email=email)
    opened = " and opened it" if inv.opened_at else ""
    return Conflict(f"{email} was already invited by {inv.inviter_name or inv.inviter} on "
                    f"{_date(inv.sent_at or inv.created_at)}{opened}; the link is valid until "
                    f"{_date(inv.expires_at)}. Nothing new was sent. To send a fresh link, "
                    f"use Resend (`{command} resend {email}`).",
                    field="email", offer="resend", email=email)


def invite(actor: Actor, email: str, *, name: str = "", account: str | None = None,
           job: str | None = None, access: list[str] | None = None,
           channel: str | None = None, send: bool = True) -> Outcome:
    """Invite a customer: admins send at once, agents request approval (R1–R4, R8, R16).

    Only admins change an existing customer's details (name, account number, access). An agent's
    invitation that would change them carries the changes as a request, applied only when an admin
    approves it; it needs that approval even where agents otherwise invite without one."""
    address = inputs.email(email)
    name = inputs.text(name, what="name", limit=inputs.MAX_NAME, field="name")
    account = inputs.text(account, what="account number", limit=inputs.MAX_REF, field="account") or None
    job = inputs.text(job, what="job reference", limit=inputs.MAX_REF, field="job") or None
    ws = workspace_of(actor)
    areas = _access(ws, access)
    now = clock.now()
    try:
        with atomic():
            if job and is_postgres():
                # Serialise invites per workspace so two agents cannot both take a job's last slot.
                Workspace.select().where(Workspace.id == ws.id).for_update().execute()
            customer = Customer.find(ws, address.key)
            if customer is not None:
                if customer.suspended:
                    raise Conflict(f"{customer.email} is suspended, so nothing was sent. An admin can "
                                   f"reinstate them with `{actor.command} reinstate {customer.email}`.",
                                   field="email")
                if customer.is_enrolled:
                    raise Conflict(f"{customer.email} is already enrolled, so nothing was sent. "
                                   "They can log in to the portal with their password.", field="email")
                open_inv = Invitation.open_for(customer)
                if open_inv is not None:
                    raise _explain_open(open_inv, actor.command)
            if job:
                _check_job_limit(ws, job, actor.command)
            proposed = {}
            if customer is None:
                role = "admin" if account and not Customer.account_has_admin(ws, account) else "member"
                customer = Customer.create(workspace=ws, email=address.address, email_key=address.key,
                                           name=name, account_number=account, role=role,
                                           access_areas=areas, created_at=now)
            elif actor.is_admin:
                customer.name = name or customer.name
                customer.account_number = account or customer.account_number
                if access is not None:
                    customer.access_areas = areas
                customer.save()
            else:
                # The invite form shows the workspace's default areas ticked; sent back untouched, they
                # are no request to change the areas of a customer already known.
                chose_areas = access is not None and set(areas) != set(ws.default_access or [])
                proposed = _differing(customer, name, account, areas if chose_areas else None)
                if proposed and not send:
                    raise NotPermitted("change an existing customer's details (name, account number, "
                                       "access)", actor.admin_names)
            if not send:
                return Outcome(f"{customer.email} was added as a customer (Not Enrolled). Send the "
                               f"invitation when ready with `{actor.command} resend {customer.email}`.",
                               state="created", customer=customer)
            inv = Invitation(workspace=ws, customer=customer, inviter=actor.user_id,
                             inviter_name=actor.name, job_ref=job, request_channel=channel,
                             created_at=now)
            if (ws.approval_required and not actor.is_admin) or proposed:
                inv.status = Invitation.REQUESTED
                inv.proposed_changes = proposed or None
                inv.save()
                changes = changes_text(_differences(customer, proposed))
                history.record(customer, "requested", actor=actor.user_id, actor_name=actor.name,
                               invitation=inv, detail=f"proposed changes: {changes}" if changes else "")
                return Outcome(_requested_message(customer, changes, ws.approval_required, actor.command),
                               state="requested", invitation=inv, customer=customer)
            state = send_link(inv, actor)
            return Outcome(_sent_message(inv, state, actor.command), state=state, invitation=inv,
                           customer=customer)
    except pw.IntegrityError:
        # Another request for the same customer won the race (R2).
        customer = Customer.find(ws, address.key)
        open_inv = customer and Invitation.open_for(customer)
        if open_inv:
            raise _explain_open(open_inv, actor.command) from None
        raise Conflict(f"{address.address} was changed by someone else at the same moment. "
                       f"Check `{actor.command} status` and try again.") from None


def _requested_message(customer: Customer, changes: str, approval_required: bool, command: str) -> str:
    email = customer.email
    if not changes:
        return (f"Your request to invite {email} is waiting for an admin's approval. You will get a "
                "direct message when it is decided.")
    if approval_required:
        return (f"Your request to invite {email} is waiting for an admin's approval. It would change "
                f"their details ({changes}); the changes apply only if an admin approves. You will get "
                "a direct message when it is decided.")
    return (f"{email} is already a customer with other details, and only an admin can change them, so "
            f"your invitation is waiting for an admin's approval of the changes ({changes}). You will "
            "get a direct message when it is decided. To send it now with their current details "
            f"instead, withdraw this request with `{command} revoke {email}` and invite them again "
            "without the changes.")


def _sent_message(inv: Invitation, state: str, command: str) -> str:
    email = inv.customer.email
    if state == "welcome":
        return (f"{email} already has a portal account with another team, so they were sent a "
                "welcome email instead of a new-account email: they join "
                f"{inv.workspace.display_name} by logging in with their existing password "
                f"(link valid until {_date(inv.expires_at)}).")
    return (f"Invitation sent to {email}. The link is valid until {_date(inv.expires_at)}. "
            f"Check on it any time with `{command} status {email}`.")


# What the history says was emailed, when it was not the plain invitation.
EMAIL_NOTES = {"welcome": "welcome email (already enrolled with another team)",
               "reminder": "reminder email to the customer",
               "signup_confirmation": "sign-up confirmation email"}


def send_link(inv: Invitation, actor: Actor, *, event: str = "sent", email_kind: str | None = None,
          expires_at: dt.datetime | None = None) -> str:
    """Give an invitation a fresh link and queue its email (inside the caller's transaction)."""
    ws = inv.workspace
    customer = inv.customer
    token, digest = new_token()
    now = clock.now()
    inv.status = Invitation.PENDING
    inv.token_hash = digest
    inv.sent_at = now
    inv.expires_at = expires_at or now + dt.timedelta(days=ws.expiry_days)
    inv.save()
    elsewhere = Customer.enrolled_elsewhere(ws, customer.email_key)
    # R3: someone enrolled with another team has a password already: whatever this email would be
    # (invitation, reminder, sign-up confirmation), theirs is the welcome email, which says to log in.
    kind = "welcome" if elsewhere is not None else email_kind or "invitation"
    outbox.enqueue(kind, customer, {"link_path": f"/i/{token}", "inviter_name": actor.label,
                                    "expires_at": _date(inv.expires_at),
                                    "expiry_days": ws.expiry_days}, invitation=inv)
    history.record(customer, event, actor=actor.user_id, actor_name=actor.name, invitation=inv,
                   detail=EMAIL_NOTES.get(kind, ""))
    return "welcome" if kind == "welcome" else "sent"


def _requested(actor: Actor, invitation_id: int) -> Invitation:
    inv = (Invitation.select(Invitation, Customer).join(Customer)
           .where(Invitation.id == invitation_id).first())
    if inv is None or inv.workspace.team_id != actor.team_id:
        raise NotFound("That invitation request no longer exists.")
    return inv


def _claim_decision(actor: Actor, inv: Invitation, status: str, reason: str | None = None) -> Invitation:
    """Exactly one decision per request, however many clicks arrive at once (R4)."""
    now = clock.now()
    won = (Invitation.update(status=status, approver=actor.user_id, approver_name=actor.name,
                             decided_at=now, deny_reason=reason)
           .where((Invitation.id == inv.id) & (Invitation.status == Invitation.REQUESTED))
           .execute())
    if not won:
        current = Invitation.get_by_id(inv.id)
        who = current.approver_name or current.approver or "someone"
        verdict = {"denied": "denied", "revoked": "withdrawn"}.get(current.status, "approved")
        when = f" on {_date(current.decided_at)}" if current.decided_at else ""
        raise AlreadyDecided(f"This request for {inv.customer.email} was already {verdict} by "
                             f"{who}{when}. Nothing more to do.")
    return Invitation.get_by_id(inv.id)


def approve(actor: Actor, invitation_id: int) -> Outcome:
    """R4: only an admin's click counts; the first decision wins."""
    require_admin(actor, "approve invitation requests")
    inv = _requested(actor, invitation_id)
    with atomic():
        inv = _claim_decision(actor, inv, Invitation.PENDING)
        changes = changes_text(_apply_proposed(inv))
        history.record(inv.customer, "approved", actor=actor.user_id, actor_name=actor.name,
                       invitation=inv, detail=f"applied changes: {changes}" if changes else "")
        # R15: a customer who signed up is sent the sign-up confirmation, not an invitation.
        state = send_link(inv, actor, email_kind="signup_confirmation" if inv.inviter == SIGNUP else None)
    changed = f"Their details were changed as requested ({changes}). " if changes else ""
    return Outcome(f"Approved: {inv.customer.email} was invited by {actor.label}. {changed}"
                   + _sent_message(inv, state, actor.command), state="approved", invitation=inv,
                   customer=inv.customer)


def deny(actor: Actor, invitation_id: int, reason: str = "") -> Outcome:
    """R4: a denial may carry a reason, which the requester is told."""
    require_admin(actor, "deny invitation requests")
    reason = inputs.text(reason, what="reason", limit=inputs.MAX_REASON, field="reason", multiline=True) or None
    inv = _requested(actor, invitation_id)
    with atomic():
        inv = _claim_decision(actor, inv, Invitation.DENIED, reason)
        history.record(inv.customer, "denied", actor=actor.user_id, actor_name=actor.name,
                       invitation=inv, detail=reason or "")
        if inv.inviter == SIGNUP and inv.workspace.denial_email:
            outbox.enqueue("signup_denied", inv.customer, {}, invitation=inv)  # R15: a polite notice
    because = f" Reason: {reason}" if reason else ""
    return Outcome(f"Denied: {inv.customer.email} was not invited.{because}", state="denied",
                   invitation=inv, customer=inv.customer)


def customer_by_email(ws: Workspace, email: str, *, command: str) -> Customer:
    """The customer with this address; `command` is the slash command named in the hint when there is none."""
    address = inputs.email(email)
    customer = Customer.find(ws, address.key)
    if customer is None:
        raise NotFound(f"There is no invitation for {address.address}. To invite them, type "
                       f"`{command} {address.address}`.")
    return customer


def _may_act_on(actor: Actor, inv: Invitation, action: str) -> None:
    if not actor.is_admin and inv.inviter != actor.user_id:
        raise NotPermitted(f"{action} invitations sent by someone else", actor.admin_names)


def record_request_message(invitation_id: int, channel: str, ts: str) -> None:
    """Remember where the approval request was posted so it can be updated in place (R4). The first
    copy is the request's own place (where its buttons were pressed from, in the invitation's
    history); every copy is kept, so that each admin's DM shows the decision too."""
    with atomic():
        RequestMessage.create(invitation=invitation_id, channel=channel, ts=ts)
        Invitation.update(request_message_channel=channel, request_message_ts=ts
                          ).where((Invitation.id == invitation_id)
                                  & Invitation.request_message_channel.is_null()).execute()


def request_messages(invitation: Invitation) -> list[tuple[str, str]]:
    """Every posted copy of the approval request, as (channel, ts)."""
    return [(m.channel, m.ts) for m in
            RequestMessage.select().where(RequestMessage.invitation == invitation).order_by(RequestMessage.id)]


def approval_destination(invitation: Invitation) -> list[str]:
    """R4: the approval channel if set, else the channel where it was typed (admins' DMs come last)."""
    ws = invitation.workspace
    return [c for c in (ws.approval_channel, invitation.request_channel) if c]


def pending_for(actor: Actor, limit: int = 200) -> list[Invitation]:
    """Invitations this person may resend: their own, or everyone's for an admin."""
    ws = workspace_of(actor)
    query = (Invitation.select(Invitation, Customer).join(Customer)
             .where((Invitation.workspace == ws)
                    & Invitation.status.in_((Invitation.PENDING, Invitation.EXPIRED))
                    & (Customer.enrolled_at.is_null()) & (Customer.suspended == False)))  # noqa: E712
    if not actor.is_admin:
        query = query.where(Invitation.inviter == actor.user_id)
    return list(query.order_by(Invitation.created_at).limit(limit))
