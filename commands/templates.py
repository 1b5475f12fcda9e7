"""Workspaces' own email templates (R19): sandboxed Jinja2, known placeholders only."""
from __future__ import annotations

import sys
import time
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, TemplateError
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
# Tests too: divisibleby, even and odd compute `value % n`, which on text is %-formatting
# ('%.999999999f' is divisibleby 7: seconds of CPU and gigabytes of memory), and Jinja evaluates a
# test on constants while it compiles. The first of each group is the name the refusal lists.
TESTS = (("defined",), ("undefined",), ("none",), ("string",), ("number",), ("true",), ("false",),
         ("lower",), ("upper",), ("eq", "equalto", "=="), ("ne", "!="), ("lt", "lessthan", "<"), ("le", "<="),
         ("gt", "greaterthan", ">"), ("ge", ">="), ("in",), ("sameas",))
_TEST_NAMES = frozenset(name for group in TESTS for name in group)
_ALLOWED = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const, nodes.If,
            nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.CondExpr, nodes.Concat,
            nodes.Filter, nodes.Test, nodes.Keyword)
_REFUSED = (((nodes.For,), "a loop ({% for %})"), ((nodes.Macro, nodes.CallBlock), "a macro"),
            ((nodes.Assign, nodes.AssignBlock), "{% set %}"), ((nodes.Call,), "a function or method call"),
            ((nodes.Getattr, nodes.Getitem, nodes.Slice), "attribute or item access (like .name or [0])"),
            ((nodes.BinExpr, nodes.UnaryExpr), "arithmetic"),
            ((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends), "another template"))
# Jinja's compiler takes time growing with the cube of how deeply expressions nest (300 `not`s: 20
# seconds), and Python's parser and compiler give up well before 3,000 brackets. Twelve levels leave
# room for an {% if %} inside an {% if %} testing a few filtered placeholders with and/or.
MAX_DEPTH = 12
# Filling in a template checked within these limits takes milliseconds and gives a few times its
# length; past these, something is wrong, and the work stops there.
MAX_OUTPUT = 5 * MAX_BODY
MAX_RENDER_SECONDS = 1.0


def _too_deep(what: str) -> InvalidInput:
    return InvalidInput(f"The {what} is nested too deeply: at most {MAX_DEPTH} levels of brackets, "
                        "{% if %}, and/or/not and filters inside one another. Split it into simpler "
                        "{% if %} blocks.", field=what)


def _parse(source: str, what: str) -> nodes.Template:
    try:
        return SANDBOX.parse(source)
    except TemplateSyntaxError as exc:
        problem = (exc.message or "").rstrip(".")
        raise InvalidInput(f"The {what} has a template error on line {exc.lineno}: {problem}. "
                           "Placeholders look like {{ customer_name }}.", field=what) from None
    except (ValueError, OverflowError) as exc:  # Python refuses to convert a very long number
        if "digits" not in str(exc):
            raise InvalidInput(f"The {what} cannot be read as a template. Check the text inside "
                               "{{ }} and {% %}.", field=what) from None
        raise InvalidInput(f"The {what} has a number with more than {sys.get_int_max_str_digits():,} "
                           "digits, too long to work with. Shorten it, or write it as plain text outside "
                           "{{ }}.", field=what) from None
    except (RecursionError, MemoryError):
        raise _too_deep(what) from None


def _depth(parsed: nodes.Template) -> int:
    """How deeply the template's nodes nest, counted without recursion, stopping past MAX_DEPTH."""
    deepest, todo = 0, [(parsed, 1)]
    while todo and deepest <= MAX_DEPTH:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        todo.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest


@lru_cache(maxsize=256)
def _compiled(source: str, what: str):
    """The compiled template and the names it uses, once it passes every check that needs neither
    rendering nor the list of placeholders; InvalidInput (on `what`: subject or body) otherwise."""
    parsed = _parse(source, what)
    if _depth(parsed) > MAX_DEPTH:
        raise _too_deep(what)
    refused = _unsupported(parsed, what)
    if refused:
        raise InvalidInput(refused, field=what)
    used = frozenset(n.name for n in parsed.find_all(nodes.Name))  # {% set %}, loops, macros are refused
    try:
        return SANDBOX.from_string(parsed), used
    except TemplateSyntaxError as exc:
        raise InvalidInput(f"The {what} has a template error on line {exc.lineno}: "
                           f"{(exc.message or '').rstrip('.')}.", field=what) from None
    except (SyntaxError, RecursionError, MemoryError):  # Python's own limits on the compiled code
        raise _too_deep(what) from None


def _unsupported(parsed, what: str) -> str | None:
    """The refusal for the first thing the template uses that email templates do not support."""
    for node in parsed.find_all(nodes.Node):
        if isinstance(node, nodes.Filter) and node.name not in FILTERS + ("d",):
            refused = f"the filter {node.name}"
        elif isinstance(node, nodes.Test) and node.name not in _TEST_NAMES:
            return (f"The {what} uses the test {node.name}, which email templates do not support. "
                    "Use the tests " + ", ".join(group[0] for group in TESTS) + ".")
        elif isinstance(node, _ALLOWED):
            continue
        else:
            refused = next((label for kinds, label in _REFUSED if isinstance(node, kinds)),
                           f"an unsupported construct ({type(node).__name__})")
        return (f"The {what} uses {refused}, which email templates do not support. Use the placeholders, "
                "{% if %}…{% endif %}, ~ to join text and the filters " + ", ".join(FILTERS) + ".")
    return None


def _placeholders_only(source: str, what: str):
    """The compiled template, refused if it names anything but the placeholders an admin may use."""
    template, used = _compiled(source, what)
    unknown = sorted(used - set(PLACEHOLDERS))
    if unknown:
        raise InvalidInput(f"The {what} uses unknown placeholder(s): {', '.join(unknown)}. Available: "
                           + ", ".join(sorted(PLACEHOLDERS)) + ".", field=what)
    return template, used


def _fill(template, what: str, context: dict) -> str:
    """Render with a bound on the output's length and on the time taken (R20: a field error, never a 500)."""
    deadline = time.monotonic() + MAX_RENDER_SECONDS
    parts, length = [], 0
    chunks = template.generate(context)
    try:
        for chunk in chunks:
            length += len(chunk)
            parts.append(chunk)
            if length > MAX_OUTPUT or time.monotonic() > deadline:
                break
        else:
            return "".join(parts)
    except SecurityError:
        raise InvalidInput(f"The {what} tries something templates may not do (only the listed "
                           "placeholders can be used).", field=what) from None
    except (RecursionError, MemoryError):
        raise _too_deep(what) from None
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise InvalidInput(f"The {what} cannot be rendered: {exc}.", field=what) from None
    finally:
        chunks.close()
    if length > MAX_OUTPUT:
        raise InvalidInput(f"The {what} would be more than {MAX_OUTPUT:,} characters once filled in. "
                           "Use fewer placeholders or less text.", field=what)
    raise InvalidInput(f"The {what} takes too long to fill in. Simplify it: fewer {{% if %}} blocks "
                       "and filters.", field=what)


def _subject_line(text: str) -> str:
    return text.strip().replace("\n", " ")


def preview(subject: str, body: str) -> tuple[str, str]:
    """Check a template (see check) and fill it in with the sample data, as the modal shows it."""
    if not subject.strip():
        raise InvalidInput("The subject cannot be empty.", field="subject")
    if len(subject) > MAX_SUBJECT or "\n" in subject.strip():
        raise InvalidInput(f"The subject must be one line of at most {MAX_SUBJECT} characters.", field="subject")
    if not body.strip():
        raise InvalidInput("The body cannot be empty.", field="body")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"The body is {len(body):,} characters; at most {MAX_BODY:,}.", field="body")
    shown_subject = _fill(_placeholders_only(subject, "subject")[0], "subject", PLACEHOLDERS)
    body_template, used = _placeholders_only(body, "body")
    shown_body = _fill(body_template, "body", PLACEHOLDERS)
    if "link" not in used:
        raise InvalidInput("The body must contain {{ link }}: it is how the customer gets in.", field="body")
    return _subject_line(shown_subject), shown_body


def check(subject: str, body: str) -> None:
    """Refuse a template with a syntax error, an unknown placeholder, an unsafe or costly expression,
    or past the limits, with an InvalidInput on the field at fault (R19, R20)."""
    preview(subject, body)


def render(subject: str, body: str, context: dict) -> tuple[str, str]:
    """Fill in a template for a real email; InvalidInput if it cannot be (the caller falls back)."""
    return (_subject_line(_fill(_compiled(subject, "subject")[0], "subject", context)),
            _fill(_compiled(body, "body")[0], "body", context))


def _kind(kind: str) -> str:
    if kind not in EDITABLE:
        raise NotFound(f"There is no email called {kind}. Choose one of: {', '.join(EDITABLE)}.")
    return kind


def custom_for(workspace_id: int, kind: str) -> EmailTemplate | None:
    return EmailTemplate.get_or_none((EmailTemplate.workspace == workspace_id) & (EmailTemplate.kind == kind))


def current(actor: Actor, kind: str) -> EmailTemplate | None:
    require_admin(actor, "edit email templates")
    return custom_for(workspace_of(actor).id, _kind(kind))


def vet(actor: Actor, kind: str, subject: str, body: str) -> str:
    """What save would refuse, without saving: the admin first (R18), so that nobody else's template
    is ever checked or filled in, then the kind of email, then the template; the kind if all is well."""
    require_admin(actor, "edit email templates")
    kind = _kind(kind)
    check(subject, body)
    return kind


def save(actor: Actor, kind: str, subject: str, body: str) -> Outcome:
    kind = vet(actor, kind, subject, body)
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
