"""Resending and revoking invitations (R6, R7): fresh links, one by one, several, or all at once."""
from __future__ import annotations

import datetime as dt

from commands import history
from commands.actor import Actor
from commands.clock import clock
from commands.errors import Conflict, InvalidInput, NotFound, NotPermitted
from commands.holders import busy_elsewhere, holder
from commands.invitations import (_date, _may_act_on, _sent_message, customer_by_email, require_admin,
                                  send_link, workspace_of)
from commands.results import Batch, Outcome
from storage.db import atomic
from storage.models import Customer, Invitation, Workspace
from storage.runs import ResendRun


def resend(actor: Actor, email: str) -> Outcome:
    """R6: a fresh link, a new validity period; the previous link says a newer one was sent."""
    ws = workspace_of(actor)
    customer = customer_by_email(ws, email, command=actor.command)
    with atomic():
        return _resend(actor, customer)


def _resend(actor: Actor, customer: Customer) -> Outcome:
    if customer.suspended:
        raise Conflict(f"{customer.email} is suspended; reinstate them before resending.")
    if customer.is_enrolled:
        raise Conflict(f"{customer.email} is already enrolled, so there is nothing to resend. "
                       "They can log in with their password.")
    old = Invitation.latest_for(customer)
    if old is None:
        # Created without sending (bulk "create only" or the modal's "send now" off).
        if customer.workspace.approval_required and not actor.is_admin:
            raise Conflict(f"{customer.email} has not been invited yet. Type "
                           f"`{actor.command} {customer.email}` to ask an admin to approve the invitation.")
        inv = Invitation(workspace=customer.workspace_id, customer=customer, inviter=actor.user_id,
                         inviter_name=actor.name, created_at=clock.now())
        state = send_link(inv, actor)
        return Outcome(_sent_message(inv, state, actor.command), state=state, invitation=inv,
                       customer=customer)
    if old.status == Invitation.REQUESTED:
        raise Conflict(f"The invitation for {customer.email} is still waiting for an admin's "
                       "approval; it is sent once approved.")
    if old.status not in (Invitation.PENDING, Invitation.EXPIRED):
        raise NotFound(f"{customer.email} has no open invitation to resend. To invite them again, "
                       f"type `{actor.command} {customer.email}`.")
    _may_act_on(actor, old, "resend")
    inv, state = replace_link(old, actor)
    return Outcome(f"A fresh link was sent to {customer.email}; the previous link no longer works. "
                   f"Valid until {_date(inv.expires_at)}.", state=state, invitation=inv, customer=customer)


def replace_link(old: Invitation, actor: Actor, *, event: str = "resent", email_kind: str | None = None,
                 keep_expiry: bool = False) -> tuple[Invitation, str]:
    """R6: a new invitation with a fresh link replaces `old`, whose page then says a newer one was sent."""
    old.status = Invitation.REPLACED
    old.save()
    inv = Invitation.create(workspace=old.workspace_id, customer=old.customer_id, status=Invitation.PENDING,
                            inviter=old.inviter, inviter_name=old.inviter_name, job_ref=old.job_ref,
                            approver=old.approver, approver_name=old.approver_name,
                            decided_at=old.decided_at, created_at=old.created_at,
                            reminder_count=old.reminder_count, last_reminded_at=old.last_reminded_at)
    old.replaced_by = inv
    old.save()
    state = send_link(inv, actor, event=event, email_kind=email_kind,
                  expires_at=old.expires_at if keep_expiry else None)
    return inv, state


def resend_many(actor: Actor, emails: list[str]) -> Batch:
    """R6: several named invitations at once; each is handled on its own."""
    ws = workspace_of(actor)
    batch = Batch()
    for email in emails:
        try:
            customer = customer_by_email(ws, email, command=actor.command)
            with atomic():
                batch.done.append(_resend(actor, customer))
        except (Conflict, NotFound, NotPermitted, InvalidInput) as exc:
            batch.refused.append((email, exc.message))
    return batch


def resend_all(actor: Actor, progress=None) -> Batch:
    """R6 (seed 003): every invitation not yet accepted (Invited or Expired) gets a fresh link.

    Each one commits on its own, with the run's count, so an interruption leaves every invitation with
    its outbox row; running it again soon after continues the interrupted run instead of resending
    what it already did (R6 exactly once per invitation)."""
    require_admin(actor, "resend all pending invitations")
    ws = workspace_of(actor)
    run = _resend_run(ws, actor)
    batch = Batch(resumed=run.done)
    ids = [i.customer_id for i in Invitation.select(Invitation.customer)
           .where((Invitation.workspace == ws)
                  & Invitation.status.in_((Invitation.PENDING, Invitation.EXPIRED))
                  & (Invitation.sent_at.is_null() | (Invitation.sent_at < run.started_at)))
           .order_by(Invitation.created_at)]
    for number, customer_id in enumerate(ids, start=1):
        customer = Customer.get_by_id(customer_id)
        try:
            with atomic():
                batch.done.append(_resend(actor, customer))
                ResendRun.update(done=ResendRun.done + 1, heartbeat_at=clock.now()
                                 ).where(ResendRun.id == run.id).execute()
        except (Conflict, NotFound) as exc:
            batch.refused.append((customer.email, exc.message))
        if progress:
            progress(number, len(ids))
    ResendRun.update(finished_at=clock.now()).where(ResendRun.id == run.id).execute()
    return batch


RESUME_WITHIN = dt.timedelta(hours=1)  # an older interrupted run is not continued: everything is resent


def _resend_run(ws: Workspace, actor: Actor) -> ResendRun:
    """This workspace's interrupted resend-all to continue, or a new one."""
    now = clock.now()
    with atomic():
        run = ResendRun.unfinished(ws)
        if run is not None and busy_elsewhere(run.holder, run.heartbeat_at):
            raise Conflict(f"All pending invitations are already being resent (started "
                           f"{run.started_at:%H:%M} UTC by <@{run.by}>). Wait for its summary.")
        if run is not None and run.started_at > now - RESUME_WITHIN:
            ResendRun.update(holder=holder(), heartbeat_at=now).where(ResendRun.id == run.id).execute()
            return ResendRun.get_by_id(run.id)
        if run is not None:
            ResendRun.update(finished_at=now).where(ResendRun.id == run.id).execute()
        return ResendRun.create(workspace=ws, by=actor.user_id, holder=holder(), started_at=now, heartbeat_at=now)


def revoke(actor: Actor, email: str) -> Outcome:
    """R7: removes an open invitation; its link stops working."""
    ws = workspace_of(actor)
    customer = customer_by_email(ws, email, command=actor.command)
    with atomic():
        inv = Invitation.open_for(customer)
        if inv is None:
            raise NotFound(f"{customer.email} has no open invitation to revoke.")
        _may_act_on(actor, inv, "revoke")
        Invitation.update(status=Invitation.REVOKED).where(Invitation.id == inv.id).execute()
        history.record(customer, "revoked", actor=actor.user_id, actor_name=actor.name, invitation=inv)
    return Outcome(f"The invitation for {customer.email} was revoked; its link no longer works. "
                   f"You can invite them again later with `{actor.command} {customer.email}`.",
                   state="revoked", invitation=inv, customer=customer)
