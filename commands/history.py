"""The history of each customer (R10)."""
from __future__ import annotations

from commands.clock import clock
from storage.models import Customer, Event, Invitation


def record(customer: Customer, kind: str, *, actor: str, actor_name: str = "",
           invitation: Invitation | None = None, detail: str = "") -> Event:
    assert kind in Event.KINDS, kind
    return Event.create(workspace=customer.workspace_id, customer=customer, invitation=invitation,
                        kind=kind, actor=actor, actor_name=actor_name or "", detail=detail or "",
                        created_at=clock.now())
