"""The slash command's grammar: text -> a typed request. Pure; no Slack, no database."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_TEXT = 3000

USAGE = """*{cmd}* — invite customers to the portal and keep track of them.
• `{cmd}` — open the invite form
• `{cmd} customer@example.com [name…] [account:&lt;no&gt;] [job:&lt;ref&gt;]` — invite (admins) or ask for approval (agents)
• `{cmd} status [email]` — where an invitation stands, with its history
• `{cmd} list [status] [page]` — invitations; status is one of not-enrolled, requested, invited, enrolled, expired, suspended
• `{cmd} resend [email, email…]` · `{cmd} resend all` — send fresh links
• `{cmd} revoke email` — withdraw an open invitation
• `{cmd} suspend [email [note…]]` · `{cmd} reinstate email` — admins
• `{cmd} bulk` · `{cmd} uploads` · `{cmd} export [status]` — admins: CSV upload and export
• `{cmd} link` · `{cmd} access email` · `{cmd} settings` · `{cmd} templates` — admins
• `{cmd} admins [add|remove @user]` — who the admins are
• `{cmd} help` — this message"""

VERBS = {"help", "status", "list", "resend", "revoke", "suspend", "reinstate", "bulk", "uploads",
         "export", "link", "access", "admins", "settings", "templates"}

_MAILTO = re.compile(r"<mailto:([^|>]+)(?:\|[^>]*)?>")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_KEYED = re.compile(r"^(account|acct|job)[:=](.*)$", re.I)


@dataclass
class Request:
    """What the person asked for; `problem` is set when the text could not be understood."""

    verb: str
    email: str | None = None
    emails: list[str] = field(default_factory=list)
    name: str = ""
    account: str | None = None
    job: str | None = None
    status: str | None = None
    page: int = 1
    note: str = ""
    all: bool = False
    sub: str | None = None       # admins: add / remove
    user_id: str | None = None   # admins add/remove target
    problem: str | None = None


def _clean(text: str) -> str:
    text = _MAILTO.sub(lambda m: m.group(1), text)
    # Slack sends typed &, < and > as entities; names and notes are stored as typed.
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


def _echo(typed: str) -> str:
    """Typed text quoted back in a reply, with Slack's control characters escaped again."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _looks_like_email(word: str) -> bool:
    return "@" in word and not word.startswith("<@")


def parse(text: str | None) -> Request:
    raw = text or ""
    if len(raw) > MAX_TEXT:
        return Request("help", problem=f"That is {len(raw)} characters, more than the {MAX_TEXT} this "
                                       "command reads. Type a shorter command.")
    text = _clean(raw)
    if not text:
        return Request("open_invite")
    words = text.split(" ")
    head = words[0].lower()
    rest = words[1:]
    if _looks_like_email(words[0]):
        return _invite(words)
    if head not in VERBS:
        return Request("help", problem=f"`{_echo(head[:40])}` is not something I know. Here is what I can do:")
    if head == "help":
        return Request("help")
    if head in ("status", "revoke", "reinstate", "access"):
        if not rest:
            if head == "status":
                return Request("open_status")
            return Request("help", problem=f"Say which customer: `{head} customer@example.com`.")
        return Request(head, email=rest[0])
    if head == "list":
        req = Request("list")
        for word in rest:
            if word.isascii() and word.isdigit():  # not "²" or "٣": str.isdigit() takes them, int() does not
                req.page = max(1, int(word))
            elif req.status is None:
                req.status = word
            else:
                req.status += " " + word
        return req
    if head == "resend":
        if not rest:
            return Request("open_resend")
        if len(rest) == 1 and rest[0].lower() == "all":
            return Request("resend", all=True)
        emails = [e for e in re.split(r"[,\s]+", " ".join(rest)) if e]
        return Request("resend", emails=emails)
    if head == "suspend":
        if not rest:
            return Request("open_suspend")
        note = " ".join(rest[1:])
        return Request("suspend" if note else "open_suspend", email=rest[0], note=note)
    if head == "export":
        return Request("export", status=" ".join(rest) or None)
    if head == "admins":
        if not rest:
            return Request("admins")
        sub = rest[0].lower()
        if sub not in ("add", "remove") or len(rest) < 2:
            return Request("help", problem="Use `admins add @person` or `admins remove @person`.")
        m = _USER.fullmatch(rest[1])
        if not m:
            return Request("help", problem=f"Mention the person with @, e.g. `admins {sub} @Jane`.")
        return Request("admins", sub=sub, user_id=m.group(1))
    return Request(head)  # bulk, uploads, link, settings, templates


def _invite(words: list[str]) -> Request:
    req = Request("invite", email=words[0])
    names = []
    for word in words[1:]:
        keyed = _KEYED.match(word)
        if keyed:
            key, value = keyed.group(1).lower(), keyed.group(2)
            if key in ("account", "acct"):
                req.account = value
            else:
                req.job = value
        elif _looks_like_email(word):
            req.problem = ("Invite one customer at a time, or use `bulk` for a CSV file. "
                           f"I saw a second address: `{_echo(word[:60])}`.")
        else:
            names.append(word)
    req.name = " ".join(names)
    return req


def usage(command: str) -> str:
    return USAGE.format(cmd=command)
