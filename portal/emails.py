"""Email rendering: subject, plain text and HTML from the templates in portal/templates/email (R19)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

_DIR = Path(__file__).with_name("templates") / "email"
_env = Environment(loader=FileSystemLoader(_DIR), undefined=StrictUndefined,
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)

KINDS = ("invitation", "welcome", "reminder")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render(kind: str, context: dict, public_url: str) -> RenderedEmail:
    """Render one outbox row's email; `link_path` becomes an absolute link under PUBLIC_URL."""
    ctx = dict(context)
    if ctx.get("link_path"):
        ctx["link"] = public_url.rstrip("/") + ctx["link_path"]
    ctx.setdefault("login_url", public_url.rstrip("/") + "/login")
    subject = _env.get_template(f"{kind}.subject.txt").render(ctx).strip().replace("\n", " ")
    return RenderedEmail(subject=subject,
                         text=_env.get_template(f"{kind}.txt").render(ctx),
                         html=_env.get_template(f"{kind}.html").render(ctx))
