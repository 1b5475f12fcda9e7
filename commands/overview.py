"""What the App Home shows each person (own invitations; for admins, approvals and counts)."""
from __future__ import annotations

from dataclasses import dataclass, field

from commands.actor import Actor
from commands.customers import LABELS, label_of, list_customers
from commands.invitations import workspace_of
from commands.results import ListRow
from storage.models import Customer, Invitation, OutboxEmail

OWN_LIMIT = 25


@dataclass
class Overview:
    is_admin: bool
    own: list[ListRow]
    pending_approvals: list[Invitation] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    failed: list[OutboxEmail] = field(default_factory=list)


def overview(actor: Actor) -> Overview:
    ws = workspace_of(actor)
    own = []
    mine = (Invitation.select(Invitation, Customer).join(Customer)
            .where((Invitation.workspace == ws) & (Invitation.inviter == actor.user_id)
                   & (Invitation.status != Invitation.REPLACED))
            .order_by(Invitation.created_at.desc()).limit(OWN_LIMIT))
    for inv in mine:
        own.append(ListRow(customer=inv.customer, label=label_of(inv.customer, inv), invitation=inv))
    view = Overview(is_admin=actor.is_admin, own=own)
    if not actor.is_admin:
        return view
    view.pending_approvals = list(
        Invitation.select(Invitation, Customer).join(Customer)
        .where((Invitation.workspace == ws) & (Invitation.status == Invitation.REQUESTED))
        .order_by(Invitation.created_at).limit(20))
    totals = {LABELS[word]: list_customers(actor, word, per_page=1).total for word in LABELS}
    view.counts = {label: n for label, n in totals.items() if n}
    view.failed = list(OutboxEmail.select().where((OutboxEmail.workspace == ws)
                                                  & (OutboxEmail.status == OutboxEmail.FAILED))
                       .order_by(OutboxEmail.id.desc()).limit(10))
    return view
