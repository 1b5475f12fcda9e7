"""What commands return: a message for the person plus the data an adapter needs (R20)."""
from __future__ import annotations

from dataclasses import dataclass, field

from storage.models import Customer, Event, Invitation, OutboxEmail, Workspace


@dataclass
class Outcome:
    message: str
    state: str = "done"  # e.g. "sent", "requested", "welcome", "created", "approved", "denied"
    invitation: Invitation | None = None
    customer: Customer | None = None


@dataclass
class Batch:
    """Several outcomes at once (resend several or all); failures carry their own message."""

    done: list[Outcome] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (email, message)
    resumed: int = 0  # fresh links already sent by the interrupted run this one continued

    @property
    def message(self) -> str:
        parts = []
        if self.resumed:
            parts.append(f"Continued the resend that was interrupted: {self.resumed} customer(s) had "
                         "already been sent a fresh link, and were not sent another.")
        if self.done:
            parts.append(f"Sent a fresh link to {len(self.done)} customer(s): "
                         + ", ".join(o.customer.email for o in self.done[:20])
                         + (" …" if len(self.done) > 20 else "") + ".")
        for email, why in self.refused[:20]:
            parts.append(f"{email}: {why}")
        if len(self.refused) > 20:
            parts.append(f"…and {len(self.refused) - 20} more not resent.")
        return "\n".join(parts) or "There were no invitations to resend."


@dataclass
class StatusView:
    customer: Customer
    label: str                      # R11: Not Enrolled, Requested, Invited, Enrolled, Expired, Suspended
    opened: bool
    invitation: Invitation | None
    timeline: list[Event]
    failed_deliveries: list[OutboxEmail]

    @property
    def message(self) -> str:
        c = self.customer
        label = self.label + (" (opened)" if self.opened else "")
        lines = [f"{c.email}: {label}"]
        if c.suspended and c.suspension_note:
            lines.append(f"Suspension note: {c.suspension_note}")
        lines.append(f"Role: {'account admin' if c.role == 'admin' else 'member'}"
                     + (f" of account {c.account_number}" if c.account_number else ""))
        lines.append("Access: " + (", ".join(c.access_areas) if c.access_areas else "none"))
        for e in self.timeline:
            who = f" by {e.actor_name or e.actor}" if e.actor not in ("system", "customer") else ""
            lines.append(f"• {e.created_at:%Y-%m-%d %H:%M} UTC {e.kind.replace('_', ' ')}{who}"
                         + (f": {e.detail}" if e.detail else ""))
        return "\n".join(lines)


@dataclass
class ListRow:
    customer: Customer
    label: str
    invitation: Invitation | None


@dataclass
class ListView:
    rows: list[ListRow]
    page: int
    pages: int
    total: int
    status: str | None

    @property
    def message(self) -> str:
        what = f"{self.status} " if self.status else ""
        if not self.rows:
            return f"No {what}customers found." if self.total == 0 else \
                f"Page {self.page} is past the end; there are {self.pages} page(s)."
        head = f"{self.total} {what}customer(s), page {self.page} of {self.pages}:"
        return "\n".join([head] + [f"• {r.customer.email}: {r.label}" for r in self.rows])


@dataclass
class LinkView:
    """What an invitation link leads to, for the customer's page."""

    state: str  # valid, welcome, replaced, revoked, expired, used, unknown, frozen
    workspace: Workspace | None = None
    customer: Customer | None = None
    invitation: Invitation | None = None


@dataclass
class Membership:
    workspace: Workspace
    customer: Customer


@dataclass
class LoginResult:
    state: str  # ok, suspended, refused
    message: str
    memberships: list[Membership] = field(default_factory=list)
    suspended: list[Membership] = field(default_factory=list)
