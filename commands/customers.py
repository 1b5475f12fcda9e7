"""Suspending and reinstating customers, status and lists (R9–R11, R16)."""
from __future__ import annotations

import math

import peewee as pw

from commands import history, inputs, outbox
from commands.actor import Actor
from commands.errors import Conflict, InvalidInput
from commands.invitations import customer_by_email, require_admin, workspace_of
from commands.results import ListRow, ListView, Outcome, StatusView
from storage.db import atomic
from storage.models import Customer, Event, Invitation

# R11: what people see, and the words they may filter by.
LABELS = {
    "not-enrolled": "Not Enrolled",
    "requested": "Requested",
    "invited": "Invited",
    "enrolled": "Enrolled",
    "expired": "Expired",
    "suspended": "Suspended",
}
_ALIASES = {"pending": "invited", "not enrolled": "not-enrolled", "notenrolled": "not-enrolled",
            "awaiting": "requested", "approval": "requested"}
PER_PAGE = 20


def label_of(customer: Customer, invitation: Invitation | None) -> str:
    if customer.suspended:
        return LABELS["suspended"]
    if customer.is_enrolled:
        return LABELS["enrolled"]
    status = invitation.status if invitation else None
    return {Invitation.REQUESTED: LABELS["requested"], Invitation.PENDING: LABELS["invited"],
            Invitation.EXPIRED: LABELS["expired"]}.get(status, LABELS["not-enrolled"])


def parse_status(raw: str | None) -> str | None:
    """A status filter word, or None for all; unknown words list the valid ones."""
    word = (raw or "").strip().lower()
    if not word or word == "all":
        return None
    word = _ALIASES.get(word, word)
    if word not in LABELS:
        raise InvalidInput(f"Unknown status `{inputs._shorten(raw.strip(), 40)}`. Use one of: "
                           + ", ".join(LABELS) + " (or leave it out to list everyone).", field="status")
    return word


def suspend(actor: Actor, email: str, note: str) -> Outcome:
    """R9: the customer cannot log in and sees the note; open invitations are frozen."""
    require_admin(actor, "suspend customers")
    note = inputs.text(note, what="note", limit=inputs.MAX_NOTE, field="note", multiline=True)
    if not note:
        raise InvalidInput("Add a note for the customer; it is shown on their login page "
                           "(e.g. `Account on hold: please call accounts on 555-0100`).", field="note")
    customer = customer_by_email(workspace_of(actor), email, command=actor.command)
    with atomic():
        won = (Customer.update(suspended=True, suspension_note=note)
               .where((Customer.id == customer.id) & (Customer.suspended == False))  # noqa: E712
               .execute())
        if not won:
            raise Conflict(f"{customer.email} is already suspended. To change the note, reinstate "
                           "them first, then suspend again.")
        history.record(customer, "suspended", actor=actor.user_id, actor_name=actor.name, detail=note)
    return Outcome(f"{customer.email} is suspended: they cannot log in and will see your note. "
                   f"Undo with `{actor.command} reinstate {customer.email}`.", state="suspended",
                   customer=Customer.get_by_id(customer.id))


def reinstate(actor: Actor, email: str) -> Outcome:
    """R9: restores access."""
    require_admin(actor, "reinstate customers")
    customer = customer_by_email(workspace_of(actor), email, command=actor.command)
    with atomic():
        won = (Customer.update(suspended=False, suspension_note=None)
               .where((Customer.id == customer.id) & (Customer.suspended == True))  # noqa: E712
               .execute())
        if not won:
            raise Conflict(f"{customer.email} is not suspended, so there is nothing to reinstate.")
        history.record(customer, "reinstated", actor=actor.user_id, actor_name=actor.name)
    return Outcome(f"{customer.email} is reinstated and can log in again.", state="reinstated",
                   customer=Customer.get_by_id(customer.id))


def status(actor: Actor, email: str) -> StatusView:
    """Where a customer stands: label, access, role and the history timeline (R10, R11, R16)."""
    customer = customer_by_email(workspace_of(actor), email, command=actor.command)
    inv = Invitation.latest_for(customer)
    return StatusView(customer=customer, label=label_of(customer, inv),
                      opened=bool(inv and inv.status == Invitation.PENDING and inv.opened_at),
                      invitation=inv, timeline=list(Event.timeline(customer)),
                      failed_deliveries=outbox.failed_for(customer))


def of_request(actor: Actor, invitation_id: int) -> Customer | None:
    """Whom an invitation of the actor's own workspace is for (the Deny form names them, R4); None for
    an id of another workspace's invitation, or of none."""
    require_admin(actor, "deny invitation requests")
    inv = (Invitation.select(Invitation, Customer).join(Customer)
           .where((Invitation.id == invitation_id) & (Invitation.workspace == workspace_of(actor))).first())
    return inv.customer if inv else None


def list_customers(actor: Actor, status: str | None = None, page: int = 1,
                   per_page: int = PER_PAGE) -> ListView:
    """R11: everyone the workspace has invited, filterable by status, paged, newest first."""
    word = parse_status(status)
    ws = workspace_of(actor)
    latest = (Invitation.select(pw.fn.MAX(Invitation.id))
              .where(Invitation.workspace == ws).group_by(Invitation.customer))
    query = (Customer.select(Customer, Invitation)
             .join(Invitation, pw.JOIN.LEFT_OUTER,
                   on=((Invitation.customer == Customer.id) & Invitation.id.in_(latest)), attr="latest")
             .where(Customer.workspace == ws))
    active = (Customer.suspended == False) & Customer.enrolled_at.is_null()  # noqa: E712
    if word == "suspended":
        query = query.where(Customer.suspended == True)  # noqa: E712
    elif word == "enrolled":
        query = query.where((Customer.suspended == False) & Customer.enrolled_at.is_null(False))  # noqa: E712
    elif word in ("requested", "invited", "expired"):
        wanted = {"requested": Invitation.REQUESTED, "invited": Invitation.PENDING,
                  "expired": Invitation.EXPIRED}[word]
        query = query.where(active & (Invitation.status == wanted))
    elif word == "not-enrolled":
        query = query.where(active & (Invitation.id.is_null() | Invitation.status.not_in(
            (Invitation.REQUESTED, Invitation.PENDING, Invitation.EXPIRED))))
    total = query.count()
    pages = max(1, math.ceil(total / per_page))
    page = max(1, int(page))
    rows = []
    if page <= pages:  # past the end there is nothing to read (and a typed page number such as
        # 99999999999999999999 would overflow the database's integers)
        for c in query.order_by(Customer.created_at.desc(), Customer.id.desc()).paginate(page, per_page):
            inv = c.latest if getattr(c, "latest", None) and c.latest.id else None
            rows.append(ListRow(customer=c, label=label_of(c, inv), invitation=inv))
    return ListView(rows=rows, page=page, pages=pages, total=total,
                    status=LABELS[word] if word else None)


def set_access(actor: Actor, email: str, areas: list[str], role: str) -> Outcome:
    """R16: which portal areas a customer sees and their role in their account (admins only)."""
    require_admin(actor, "change customers' access")
    ws = workspace_of(actor)
    customer = customer_by_email(ws, email, command=actor.command)
    unknown = [a for a in areas if a not in ws.access_areas]
    if unknown:
        raise InvalidInput(f"Unknown access area(s): {', '.join(unknown)}. Choose from: "
                           f"{', '.join(ws.access_areas)}.", field="access")
    if role not in ("admin", "member"):
        raise InvalidInput("The role is either account admin or member.", field="role")
    with atomic():
        Customer.update(access_areas=list(areas), role=role).where(Customer.id == customer.id).execute()
        history.record(customer, "access_changed", actor=actor.user_id, actor_name=actor.name,
                       detail=f"{'account admin' if role == 'admin' else 'member'}; "
                              f"sees {', '.join(areas) or 'nothing'}")
    return Outcome(f"{customer.email} is now {'an account admin' if role == 'admin' else 'a member'} and sees: "
                   f"{', '.join(areas) or 'no areas'}.", state="access_changed",
                   customer=Customer.get_by_id(customer.id))
