"""Who is acting. The adapter decides is_admin (Slack roles or the app's admin list) and supplies admin names."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    team_id: str
    user_id: str
    name: str = ""
    is_admin: bool = False
    admin_names: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return self.name or self.user_id


SYSTEM = "system"
CUSTOMER = "customer"
SIGNUP = "signup"  # the "inviter" of a request a customer made through a sign-up page or link
