"""Exporting invitations as CSV (R13), safe to open in a spreadsheet."""
from __future__ import annotations

from collections.abc import Iterator

from commands.actor import Actor
from commands.customers import LABELS, list_customers, parse_status
from commands.invitations import require_admin

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["Customer Email", "Customer Name", "Account Number", "Status", "Invited By", "Invited At",
          "Link Expires At", "Opened"]


def neutralise(cell) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection)."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_rows(actor: Actor, status: str | None = "invited", page_size: int = 500) -> Iterator[list[str]]:
    """Header then one row per customer with that status (default: pending invitations)."""
    require_admin(actor, "export invitations")
    word = parse_status(status)
    yield HEADER
    page = 1
    while True:
        view = list_customers(actor, word, page=page, per_page=page_size)
        for row in view.rows:
            inv = row.invitation
            yield [neutralise(v) for v in (
                row.customer.email, row.customer.name, row.customer.account_number, row.label,
                inv.inviter_name or inv.inviter if inv else "",
                f"{inv.sent_at:%Y-%m-%d %H:%M} UTC" if inv and inv.sent_at else "",
                f"{inv.expires_at:%Y-%m-%d %H:%M} UTC" if inv and inv.expires_at else "",
                "yes" if inv and inv.opened_at else "no")]
        if page >= view.pages:
            break
        page += 1


def label_for(status: str | None) -> str:
    word = parse_status(status)
    return LABELS[word] if word else "all"
