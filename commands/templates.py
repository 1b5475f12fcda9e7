"""Workspaces' own email templates (R19): sandboxed Jinja2, known placeholders only."""
from __future__ import annotations

from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from commands.actor import Actor
from commands.clock import clock
from commands.errors import InvalidInput, NotFound
from commands.invitations import require_admin, workspace_of
from commands.results import Outcome
from storage.db import atomic
from storage.models import EmailTemplate

# The emails an admin may customise, and what each may say.
EDITABLE = {
    "invitation": "Invitation",
    "welcome": "Welcome (already has an account with another team)",
    "reminder": "Reminder",
    "signup_confirmation": "Sign-up confirmation",
}
PLACEHOLDERS = {
    "customer_name": "Pat Customer", "customer_email": "pat@example.com",
    "workspace_name": "Acme Lighting", "inviter_name": "Sam Agent",
    "link": "https://portal.example.com/i/EXAMPLE-LINK", "expires_at": "2026-12-02 09:00 UTC",
    "expiry_days": 7, "login_url": "https://portal.example.com/login",
    "support_email": "support@example.com",
}
MAX_SUBJECT = 200
MAX_BODY = 10_000

SANDBOX = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, trim_blocks=True,
                               lstrip_blocks=True)
SANDBOX.globals.clear()  # range, lipsum, cycler… are not placeholders

# What a template may use: text, placeholders, {% if %} (comparisons, and/or/not, tests), `~` and a
# few filters that cannot make the text much longer. The sandbox keeps Python's internals out of
# reach but not `{{ link.center(999999999) }}`, `'x' * 10**9` or nested loops, which would tie up the
# server while it checks or previews the template; so those constructs are refused before rendering.
FILTERS = ("upper", "lower", "title", "capitalize", "trim", "default")
_ALLOWED = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.If,
            nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.CondExpr, nodes.Concat,
            nodes.Filter, nodes.Test, nodes.Keyword)
_REFUSED = (((nodes.For,), "a loop ({% for %})"), ((nodes.Macro, nodes.CallBlock), "a macro"),
            ((nodes.Assign, nodes.AssignBlock), "{% set %}"), ((nodes.Call,), "a function or method call"),
            ((nodes.Getattr, nodes.Getitem, nodes.Slice), "attribute or item access (like .name or [0])"),
            ((nodes.BinExpr, nodes.UnaryExpr), "arithmetic"),
            ((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends), "another template"))


def _check_one(source: str, field: str, what: str) -> None:
    try:
        parsed = SANDBOX.parse(source)
    except TemplateSyntaxError as exc:
        problem = (exc.message or "").rstrip(".")
        raise InvalidInput(f"The {what} has a template error on line {exc.lineno}: {problem}. "
                           "Placeholders look like {{ customer_name }}.", field=field) from None
    refused = _unsupported(parsed)
    if refused:
        raise InvalidInput(f"The {what} uses {refused}, which email templates do not support. Use the "
                           "placeholders, {% if %}…{% endif %}, ~ to join text and the filters "
                           + ", ".join(FILTERS) + ".", field=field)
    unknown = sorted((meta.find_undeclared_variables(parsed)
                      | {n.name for n in parsed.find_all(nodes.Name)}) - set(PLACEHOLDERS))
    if unknown:
        raise InvalidInput(f"The {what} uses unknown placeholder(s): {', '.join(unknown)}. Available: "
                           + ", ".join(sorted(PLACEHOLDERS)) + ".", field=field)
    try:
        SANDBOX.from_string(source).render(PLACEHOLDERS)
    except SecurityError:
        raise InvalidInput(f"The {what} tries something templates may not do (only the listed "
                           "placeholders can be used).", field=field) from None
    except (UndefinedError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise InvalidInput(f"The {what} cannot be rendered: {exc}.", field=field) from None


def _unsupported(parsed) -> str | None:
    for node in parsed.find_all(nodes.Node):
        if isinstance(node, nodes.Filter) and node.name not in FILTERS + ("d",):
            return f"the filter {node.name}"
        if isinstance(node, _ALLOWED):
            continue
        return next((what for kinds, what in _REFUSED if isinstance(node, kinds)),
                    f"an unsupported construct ({type(node).__name__})")
    return None


def check(subject: str, body: str) -> None:
    """Refuse a template with a syntax error, an unknown placeholder, an unsafe expression or past the limits."""
    if not subject.strip():
        raise InvalidInput("The subject cannot be empty.", field="subject")
    if len(subject) > MAX_SUBJECT or "\n" in subject.strip():
        raise InvalidInput(f"The subject must be one line of at most {MAX_SUBJECT} characters.", field="subject")
    if not body.strip():
        raise InvalidInput("The body cannot be empty.", field="body")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"The body is {len(body):,} characters; at most {MAX_BODY:,}.", field="body")
    _check_one(subject, "subject", "subject")
    _check_one(body, "body", "body")
    if "link" not in meta.find_undeclared_variables(SANDBOX.parse(body)):
        raise InvalidInput("The body must contain {{ link }}: it is how the customer gets in.", field="body")


@lru_cache(maxsize=256)
def _compiled(source: str):
    return SANDBOX.from_string(source)


def render(subject: str, body: str, context: dict) -> tuple[str, str]:
    return (_compiled(subject).render(context).strip().replace("\n", " "),
            _compiled(body).render(context))


def _kind(kind: str) -> str:
    if kind not in EDITABLE:
        raise NotFound(f"There is no email called {kind}. Choose one of: {', '.join(EDITABLE)}.")
    return kind


def custom_for(workspace_id: int, kind: str) -> EmailTemplate | None:
    return EmailTemplate.get_or_none((EmailTemplate.workspace == workspace_id) & (EmailTemplate.kind == kind))


def current(actor: Actor, kind: str) -> EmailTemplate | None:
    require_admin(actor, "edit email templates")
    return custom_for(workspace_of(actor).id, _kind(kind))


def save(actor: Actor, kind: str, subject: str, body: str) -> Outcome:
    require_admin(actor, "edit email templates")
    kind = _kind(kind)
    check(subject, body)
    ws = workspace_of(actor)
    with atomic():
        updated = (EmailTemplate.update(subject=subject.strip(), body=body, updated_by=actor.user_id,
                                        updated_at=clock.now())
                   .where((EmailTemplate.workspace == ws) & (EmailTemplate.kind == kind)).execute())
        if not updated:
            EmailTemplate.create(workspace=ws, kind=kind, subject=subject.strip(), body=body,
                                 updated_by=actor.user_id, updated_at=clock.now())
    return Outcome(f"The {EDITABLE[kind].lower()} email now uses your template.", state="saved")


def reset(actor: Actor, kind: str) -> Outcome:
    require_admin(actor, "edit email templates")
    kind = _kind(kind)
    EmailTemplate.delete().where((EmailTemplate.workspace == workspace_of(actor))
                                 & (EmailTemplate.kind == kind)).execute()
    return Outcome(f"The {EDITABLE[kind].lower()} email is back to the default.", state="reset")
