"""Email rendering (R19): subject and plain text from a template (the workspace's own, else the
default in templates/email), and the HTML part made from that same text in a branded layout, so
the two parts always say the same thing."""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from commands import templates
from commands.errors import InvalidInput

_DIR = Path(__file__).with_name("templates") / "email"
_layout = Environment(loader=FileSystemLoader(_DIR), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True).get_template("layout.html")
_URL = re.compile(r"(https?://[^\s<>\"]+)")
_AFTER_URL = ".,;:!?)]}'"
log = logging.getLogger("invitebot.emails")

BUTTONS = {"invitation": "Set your password", "welcome": "Join", "reminder": "Set your password",
           "signup_confirmation": "Choose your password", "already_registered": "Log in"}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=32)
def default_template(kind: str) -> tuple[str, str]:
    """The shipped subject and body of one kind of email."""
    return ((_DIR / f"{kind}.subject.txt").read_text().strip(), (_DIR / f"{kind}.txt").read_text())


def _urls(text: str) -> set[str]:
    """The URLs written in `text`, without the full stop or bracket that may follow one."""
    return {m.group(1).rstrip(_AFTER_URL) for m in _URL.finditer(text)}


def _links(ctx: dict, template_body: str) -> frozenset[str]:
    """What may become a link in the HTML part: the links the system made (the invitation link, the
    login page) and URLs the admin wrote into the template itself. Never other URL-shaped text, since
    names and other values come from whoever filled in a public form (issue 11)."""
    return frozenset(url for url in (ctx["link"], ctx["login_url"]) if url) | _urls(template_body)


def _linked(line: str, links: frozenset[str]) -> Markup:
    """One line of the text, escaped, with exact occurrences of `links` as links."""
    parts, done = [], 0
    for m in _URL.finditer(line):
        url = m.group(1).rstrip(_AFTER_URL)
        if url in links:
            parts += [escape(line[done:m.start()]), Markup('<a href="{0}">{0}</a>').format(url)]
            done = m.start() + len(url)
    parts.append(escape(line[done:]))
    return Markup("").join(parts)


def _paragraphs(text: str, links: frozenset[str]) -> list[Markup]:
    return [Markup("<br>").join(_linked(line, links) for line in block.splitlines())
            for block in re.split(r"\n\s*\n", text.strip())]


_LOOK_UP = object()


def render(kind: str, context: dict, public_url: str, workspace=None, custom=_LOOK_UP) -> RenderedEmail:
    """Render one outbox row's email; `link_path` becomes an absolute link under PUBLIC_URL.
    `custom` is the workspace's own template for this kind (looked up unless given; None = default)."""
    base = public_url.rstrip("/")
    ctx = {name: "" for name in templates.PLACEHOLDERS}
    ctx.update(context)
    ctx["link"] = base + context["link_path"] if context.get("link_path") else ""
    ctx["login_url"] = base + "/login"
    if workspace is not None:
        ctx["workspace_name"] = workspace.display_name
        ctx["support_email"] = workspace.support_email or ""
    if custom is _LOOK_UP:
        custom = templates.custom_for(workspace.id, kind) if workspace is not None else None
    subject_src, body_src = (custom.subject, custom.body) if custom else default_template(kind)
    try:
        subject, text = templates.render(subject_src, body_src, ctx)
    except InvalidInput as exc:
        if not custom:
            raise
        # A template saved before a check existed must not stop the email: the shipped one goes out.
        log.warning("the %s template of workspace %s could not be filled in, so the default was used: %s",
                    kind, getattr(workspace, "id", None), exc.message)
        subject_src, body_src = default_template(kind)
        subject, text = templates.render(subject_src, body_src, ctx)
    main_link = ctx["link"] or (ctx["login_url"] if kind == "already_registered" else "")
    html = _layout.render(
        paragraphs=_paragraphs(text, _links(ctx, body_src)), link=main_link, button=BUTTONS.get(kind, "Open"),
        accent=getattr(workspace, "accent_color", None) or "#2b5fad",
        logo_url=getattr(workspace, "logo_url", None), workspace_name=ctx["workspace_name"],
        support_email=ctx["support_email"])
    return RenderedEmail(subject=subject, text=text, html=html)
