"""Customers who come on their own: the shareable sign-up link (R14) and the self sign-up page (R15).

Both answer every submission the same way and tell the person what happens by email, so the
pages never reveal whether an address is known (here or in another workspace).

Anyone can send these forms, about anyone (issue 11). So a form never makes anyone an account's
admin (R16: that takes an admin's decision or an admin's first invitation for the account), never
replaces a link already sent (which may be one an admin sent, R6), and an address gets at most one
email per FORM_EMAIL_PERIOD from the forms, whatever that email would say."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from commands import history, inputs, outbox
from commands.actor import CUSTOMER, SIGNUP, SYSTEM, Actor
from commands.clock import clock
from commands.credentials import new_token, plausible_token, token_digest
from commands.errors import Conflict
from commands.invitations import send_link, require_admin, workspace_of
from commands.results import Outcome
from storage.db import atomic
from storage.models import Customer, Invitation, Workspace
from storage.signups import SignupEmailGate, SignupLink, SpentFormToken
from storage.runs import ReminderLog

# However often the forms are sent for one address, it gets at most one email from them this often.
FORM_EMAIL_PERIOD = dt.timedelta(hours=1)


@dataclass
class LinkStatus:
    link: SignupLink | None
    url_path: str | None       # only right after creation: the token is not stored
    signup_path: str | None    # the public self sign-up page, if enabled
    message: str


def _robot(ws: Workspace) -> Actor:
    return Actor(team_id=ws.team_id, user_id=SYSTEM, name=ws.display_name, is_admin=True)


def _signup_path(ws: Workspace) -> str | None:
    if not ws.self_signup:
        return None
    if not ws.signup_slug:
        ws.signup_slug = secrets.token_urlsafe(9)
        Workspace.update(signup_slug=ws.signup_slug).where(Workspace.id == ws.id).execute()
    return f"/signup/{ws.signup_slug}"


def _describe(link: SignupLink | None) -> str:
    if link is None:
        return "There is no sign-up link yet."
    state = ("disabled" if link.disabled_at else
             "expired" if link.expires_at <= clock.now() else "active")
    return (f"The sign-up link is {state}: valid until {link.expires_at:%Y-%m-%d %H:%M} UTC, "
            f"used {link.uses} time(s).")


def link_status(actor: Actor) -> LinkStatus:
    """R14: the current link, how often it was used; a first link is made on the spot."""
    require_admin(actor, "share sign-up links")
    ws = workspace_of(actor)
    link = SignupLink.current(ws)
    if link is None:
        return new_link(actor)
    return LinkStatus(link, None, _signup_path(ws), _describe(link))


def new_link(actor: Actor) -> LinkStatus:
    """A fresh link valid for the workspace's sign-up link days; the previous one stops working."""
    require_admin(actor, "share sign-up links")
    ws = workspace_of(actor)
    token, digest = new_token()
    now = clock.now()
    with atomic():
        SignupLink.update(disabled_at=now).where((SignupLink.workspace == ws)
                                                 & SignupLink.disabled_at.is_null()).execute()
        link = SignupLink.create(workspace=ws, token_hash=digest, created_by=actor.user_id, created_at=now,
                                 expires_at=now + dt.timedelta(days=ws.signup_link_days))
    how = ("Sign-ups through it wait for an admin's approval." if ws.signup_link_approval else
           "People who sign up through it get their account as soon as they confirm their email.")
    return LinkStatus(link, f"/join/{token}", _signup_path(ws),
                      f"New sign-up link, valid until {link.expires_at:%Y-%m-%d %H:%M} UTC. {how} "
                      "Copy it now: for security it is shown only once (you can make a new one at any time).")


def disable_link(actor: Actor) -> Outcome:
    require_admin(actor, "disable sign-up links")
    ws = workspace_of(actor)
    gone = SignupLink.update(disabled_at=clock.now()).where(
        (SignupLink.workspace == ws) & SignupLink.disabled_at.is_null()).execute()
    return Outcome("The sign-up link is disabled; it no longer works." if gone else
                   "There is no active sign-up link to disable.", state="disabled")


def link_for(token: str) -> tuple[str, SignupLink | None]:
    """What a /join/ token leads to: active, expired, disabled or unknown."""
    if not plausible_token(token):
        return "unknown", None
    link = SignupLink.get_or_none(SignupLink.token_hash == token_digest(token))
    if link is None:
        return "unknown", None
    if link.disabled_at:
        return "disabled", link
    if link.expires_at <= clock.now():
        return "expired", link
    return "active", link


def workspace_for_signup(slug: str) -> Workspace | None:
    ws = Workspace.get_or_none(Workspace.signup_slug == (slug or "")[:32])
    return ws if ws is not None and ws.self_signup else None


def join(token: str, name: str, email: str, account: str = "") -> Workspace:
    """R14: a sign-up through the shareable link; completes an open invitation rather than add one."""
    state, link = link_for(token)
    if state != "active":
        raise Conflict("This sign-up link cannot be used.", field=state)
    ws = link.workspace
    with atomic():
        SignupLink.update(uses=SignupLink.uses + 1).where(SignupLink.id == link.id).execute()
        _ask(ws, name, email, account, approval=ws.signup_link_approval, via="sign-up link")
    return ws


def self_signup(ws: Workspace, name: str, email: str, account: str = "") -> None:
    """R15: every self sign-up goes to the admins for approval."""
    with atomic():
        _ask(ws, name, email, account, approval=True, via="sign-up page")


def spend_form(nonce: str, valid_for: dt.timedelta) -> bool:
    """A sign-up form is accepted once: False when the form with this nonce was accepted already."""
    now = clock.now()
    return SpentFormToken.spend(nonce, now, forget_before=now - valid_for)


def _may_email(ws: Workspace, email_key: str) -> bool:
    """True (and counted) unless the forms emailed this address less than FORM_EMAIL_PERIOD ago."""
    return SignupEmailGate.take(ws, email_key, clock.now(), FORM_EMAIL_PERIOD)


def _remind(inv: Invitation) -> None:
    """Someone with a pending link asked again. Their link is stored only as a hash (R5), so it cannot
    be sent again, and a new one would kill the one they have (R6), maybe an admin's: they are told,
    once per invitation, that it is waiting in their inbox and whom to ask if it is lost."""
    key = f"signup-reminder:{inv.id}"
    if not ReminderLog.claim(key, clock.now()):
        return
    if not _may_email(inv.workspace, inv.customer.email_key):
        ReminderLog.release(key)  # not this time; a later sign-up may still remind them
        return
    outbox.enqueue("already_invited", inv.customer, {"sent_at": f"{inv.sent_at:%Y-%m-%d %H:%M} UTC",
                                                     "expires_at": f"{inv.expires_at:%Y-%m-%d %H:%M} UTC"},
                   invitation=inv)
    history.record(inv.customer, "reminded", actor=CUSTOMER, invitation=inv,
                   detail="someone used a sign-up form with this address: emailed a reminder of the pending "
                          "link (no new link)")


def _ask(ws: Workspace, name: str, email: str, account: str, *, approval: bool, via: str) -> None:
    address = inputs.email(email)
    name = inputs.name_from_a_stranger(name)
    account = inputs.text(account, what="account number", limit=inputs.MAX_REF, field="account") or None
    customer = Customer.find(ws, address.key)
    if customer is not None:
        if customer.suspended:
            return  # nothing to send; the page says the same as always
        if customer.is_enrolled:
            if _may_email(ws, address.key):
                outbox.enqueue("already_registered", customer, {})
            return
        open_inv = Invitation.open_for(customer)
        if open_inv is not None and open_inv.status == Invitation.PENDING:
            _remind(open_inv)  # seed 000's loop: finish the invitation they already have
            return
        if open_inv is not None:
            return  # already waiting for an admin
    if not approval and not _may_email(ws, address.key):
        return  # the forms emailed this address a moment ago; nothing new to add
    if customer is None:
        # Always a member: naming an account on a public form proves nothing about it (R16).
        customer = Customer.create(workspace=ws, email=address.address, email_key=address.key, name=name,
                                   account_number=account, role="member", access_areas=list(ws.default_access),
                                   created_at=clock.now())
    inv = Invitation(workspace=ws, customer=customer, inviter=SIGNUP, inviter_name=f"{name or address.address} ({via})",
                     created_at=clock.now())
    if approval:
        inv.status = Invitation.REQUESTED
        inv.save()
        history.record(customer, "requested", actor=CUSTOMER, invitation=inv, detail=f"through the {via}")
    else:
        # send_link makes it the welcome email for someone enrolled elsewhere (R3)
        send_link(inv, _robot(ws), email_kind="signup_confirmation")


def unannounced_requests(limit: int = 50) -> list[Invitation]:
    """Sign-up requests not yet posted to the admins in Slack."""
    return list(Invitation.select(Invitation, Customer).join(Customer)
                .where((Invitation.status == Invitation.REQUESTED) & (Invitation.inviter == SIGNUP)
                       & Invitation.request_message_ts.is_null())
                .order_by(Invitation.id).limit(limit))
