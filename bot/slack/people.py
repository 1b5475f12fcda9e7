"""Who is acting, and who the admins are: users.info / users.list, cached for a few minutes."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from commands import admins
from commands.actor import Actor
from storage.db import session

log = logging.getLogger("invitebot.people")
TTL_SECONDS = 300


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    slack_admin: bool


def _person(user: dict) -> Person:
    profile = user.get("profile") or {}
    name = (profile.get("display_name") or profile.get("real_name") or user.get("real_name")
            or user.get("name") or user.get("id"))
    admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
    return Person(user_id=user["id"], name=name, slack_admin=admin)


class AdminNames(Sequence):
    """R18's list of admins to ask, looked up only if a refusal actually needs it."""

    def __init__(self, directory: "Directory", team_id: str):
        self._directory = directory
        self._team_id = team_id
        self._names: list[str] | None = None

    def _load(self) -> list[str]:
        if self._names is None:
            self._names = self._directory.admin_names(self._team_id)
        return self._names

    def __getitem__(self, index):
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())


class Directory:
    def __init__(self, client: WebClient, *, command: str, ttl: float = TTL_SECONDS):
        self.client = client
        self.ttl = ttl
        self.command = command  # the slash command as people type it (INVITE_COMMAND), given to each Actor
        self._people: dict[tuple[str, str], tuple[float, Person]] = {}
        self._admins: dict[str, tuple[float, list[Person]]] = {}
        self._lock = threading.Lock()

    def cached(self, team_id: str, user_id: str) -> Person | None:
        with self._lock:
            hit = self._people.get((team_id, user_id))
        if hit and hit[0] > time.monotonic():
            return hit[1]
        return None

    def person(self, team_id: str, user_id: str) -> Person:
        hit = self.cached(team_id, user_id)
        if hit:
            return hit
        try:
            person = _person(self.client.users_info(user=user_id)["user"])
        except SlackApiError as exc:
            # Without Slack's word we treat the person as a non-admin: safe, and they are told why.
            log.warning("users.info failed for a user: %s", exc.response.get("error"))
            return Person(user_id=user_id, name=user_id, slack_admin=False)
        with self._lock:
            self._people[(team_id, user_id)] = (time.monotonic() + self.ttl, person)
        return person

    def forget(self, team_id: str, user_id: str) -> None:
        with self._lock:
            self._people.pop((team_id, user_id), None)

    def slack_admins(self, team_id: str) -> list[Person]:
        with self._lock:
            hit = self._admins.get(team_id)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        found, cursor = [], None
        try:
            while True:
                page = self.client.users_list(cursor=cursor, limit=200)
                found += [_person(u) for u in page.get("members", [])
                          if not u.get("deleted") and not u.get("is_bot") and u.get("id") != "USLACKBOT"
                          and (u.get("is_admin") or u.get("is_owner") or u.get("is_primary_owner"))]
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackApiError as exc:
            log.warning("users.list failed: %s", exc.response.get("error"))
        with self._lock:
            self._admins[team_id] = (time.monotonic() + self.ttl, found)
        return found

    def admin_ids(self, team_id: str) -> list[str]:
        with session():
            app_admins = admins.app_admin_ids(team_id)
        ids = [p.user_id for p in self.slack_admins(team_id)]
        return ids + [u for u in app_admins if u not in ids]

    def admin_names(self, team_id: str) -> list[str]:
        return [self.person(team_id, u).name for u in self.admin_ids(team_id)][:10]

    def _actor(self, team_id: str, person: Person) -> Actor:
        is_admin = person.slack_admin
        if not is_admin:
            with session():
                is_admin = admins.is_app_admin(team_id, person.user_id)
        return Actor(team_id=team_id, user_id=person.user_id, name=person.name, is_admin=is_admin,
                     admin_names=AdminNames(self, team_id), command=self.command)

    def actor(self, team_id: str, user_id: str) -> Actor:
        """The person acting, checked now (R4: the one who clicked, every time)."""
        return self._actor(team_id, self.person(team_id, user_id))

    def cached_actor(self, team_id: str, user_id: str) -> Actor | None:
        """The actor without any Slack call, when the person was looked up in the last few minutes."""
        person = self.cached(team_id, user_id)
        return self._actor(team_id, person) if person else None
