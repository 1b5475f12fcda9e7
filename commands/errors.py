"""Typed errors the adapters turn into one clear reply each (R18, R20)."""
from __future__ import annotations


class CommandError(Exception):
    """A request that cannot be done; `message` is for the person who asked."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field  # which input was wrong, for inline form errors


class InvalidInput(CommandError):
    """The input itself is wrong (bad email, name too long, unknown filter)."""


class NotFound(CommandError):
    """Nothing matches (no invitation for that address)."""


class Conflict(CommandError):
    """The request clashes with the current state (already invited, already suspended)."""

    def __init__(self, message: str, *, field: str | None = None, offer: str | None = None,
                 email: str | None = None):
        super().__init__(message, field=field)
        self.offer = offer  # the next action to offer, e.g. "resend"
        self.email = email


class NotPermitted(CommandError):
    """An admin action by someone who is not an admin (R18: names who to ask)."""

    def __init__(self, action: str, admin_names: tuple[str, ...] | list[str] = ()):
        names = ", ".join(admin_names) if admin_names else "a workspace owner or admin"
        super().__init__(f"Only team admins can {action}. Ask {names} to do it for you.")
        self.action = action
        self.admin_names = tuple(admin_names)


class AlreadyDecided(Conflict):
    """An approval request someone has already approved or denied."""


class InvalidFields(InvalidInput):
    """Several inputs of one form are wrong; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Some settings need fixing: " + " ".join(errors.values()), field=next(iter(errors)))
        self.errors = errors
