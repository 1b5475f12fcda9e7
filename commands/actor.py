"""Who is acting. The adapter decides is_admin (Slack roles or the app's admin list) and supplies admin names,
and says which slash command the person types (it is configurable), so replies can name it."""
from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_COMMAND = "/invite"


@dataclass(frozen=True)
class Actor:
    team_id: str
    user_id: str
    name: str = ""
    is_admin: bool = False
    admin_names: tuple[str, ...] = field(default=())
    command: str = DEFAULT_COMMAND  # the slash command as this person types it, for hints in replies

    @property
    def label(self) -> str:
        return self.name or self.user_id


SYSTEM = "system"
CUSTOMER = "customer"
SIGNUP = "signup"  # the "inviter" of a request a customer made through a sign-up page or link
