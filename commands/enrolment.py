"""The customer's side: opening a link, accepting, logging in (R3, R5, R9)."""
from __future__ import annotations

from commands import history, inputs
from commands.actor import CUSTOMER
from commands.clock import clock
from commands.credentials import (check_new_password, hash_password, plausible_token, token_digest,
                                  verify_password)
from commands.errors import Conflict, InvalidInput
from commands.results import LinkView, LoginResult, Membership, Outcome
from storage.db import atomic
from storage.models import Customer, Invitation

_DEAD = {Invitation.REPLACED: "replaced", Invitation.REVOKED: "revoked", Invitation.DENIED: "revoked",
         Invitation.EXPIRED: "expired", Invitation.ACCEPTED: "used"}


def _look_up(token: str) -> LinkView:
    if not plausible_token(token):
        return LinkView("unknown")
    inv = Invitation.by_token_hash(token_digest(token))
    if inv is None:
        return LinkView("unknown")
    view = LinkView("valid", workspace=inv.workspace, customer=inv.customer, invitation=inv)
    if inv.status in _DEAD:
        view.state = _DEAD[inv.status]
    elif inv.status != Invitation.PENDING:
        view.state = "unknown"
    elif inv.expires_at <= clock.now():
        view.state = "expired"
    elif inv.customer.suspended:
        view.state = "frozen"  # R9: open invitations are frozen while suspended
    elif Customer.enrolled_elsewhere(inv.workspace, inv.customer.email_key) is not None:
        view.state = "welcome"  # R3: join with the existing password
    return view


def open_link(token: str) -> LinkView:
    """What the link leads to; the first opening is recorded (R5)."""
    view = _look_up(token)
    inv = view.invitation
    if view.state in ("valid", "welcome") and inv.opened_at is None:
        with atomic():
            first = (Invitation.update(opened_at=clock.now())
                     .where((Invitation.id == inv.id) & Invitation.opened_at.is_null()).execute())
            if first:
                history.record(inv.customer, "opened", actor=CUSTOMER)
    return view


def accept(token: str, name: str, password: str, password2: str | None = None) -> Outcome:
    """Set a name and password on the link's page: Enrolled (R5). Single use, even under a race."""
    view = _look_up(token)
    if view.state not in ("valid", "welcome"):
        raise Conflict(f"This invitation link cannot be used ({view.state}).", field=view.state)
    inv, customer = view.invitation, view.customer
    name = inputs.text(name, what="name", limit=inputs.MAX_NAME, field="name") or customer.name
    if view.state == "welcome":
        existing = Customer.enrolled_elsewhere(inv.workspace, customer.email_key)
        if not verify_password(existing.password_hash, password or ""):
            raise InvalidInput("That is not the password of your existing portal account. "
                               "Type the password you already use to log in.", field="password")
        password_hash = existing.password_hash
        name = name or existing.name
    else:
        if not name:
            raise InvalidInput("Please type your name.", field="name")
        check_new_password(password or "", password2 or "", customer.email_key)
        password_hash = hash_password(password)  # slow on purpose; done before taking the write lock
    now = clock.now()
    with atomic():
        won = (Invitation.update(status=Invitation.ACCEPTED, accepted_at=now)
               .where((Invitation.id == inv.id) & (Invitation.status == Invitation.PENDING)).execute())
        if not won:
            raise Conflict("This invitation link cannot be used (used).", field="used")
        Customer.update(name=name, password_hash=password_hash, enrolled_at=now
                        ).where(Customer.id == customer.id).execute()
        history.record(customer, "accepted", actor=CUSTOMER, invitation=inv)
    customer = Customer.get_by_id(customer.id)
    return Outcome(f"Welcome, {customer.name}! Your account with {inv.workspace.display_name} is ready; "
                   "log in with your email address and password.", state="enrolled",
                   invitation=inv, customer=customer)


def login(email: str, password: str) -> LoginResult:
    """Credentials -> ok, suspended (with the admin's note, R9) or refused; never says which part was wrong."""
    refused = LoginResult("refused", "That email and password do not match an account. Check both "
                                     "and try again, or use the link in your invitation email.")
    try:
        address = inputs.email(email)
    except InvalidInput:
        verify_password(None, password or "")
        return refused
    rows = list(Customer.for_login(address.key))
    checked: dict[str, bool] = {}
    matched = []
    for c in rows:
        if c.password_hash not in checked:
            checked[c.password_hash] = verify_password(c.password_hash, password or "")
        if checked[c.password_hash]:
            matched.append(Membership(workspace=c.workspace, customer=c))
    if not rows:
        verify_password(None, password or "")
    if not matched:
        return refused
    active = [m for m in matched if not m.customer.suspended]
    suspended = [m for m in matched if m.customer.suspended]
    if not active:
        note = suspended[0].customer.suspension_note
        return LoginResult("suspended", f"Your access has been suspended. Note from "
                           f"{suspended[0].workspace.display_name}: {note}",
                           memberships=[], suspended=suspended)
    return LoginResult("ok", f"Signed in as {address.address}.", memberships=active, suspended=suspended)
