"""The customer's pages: the invitation link (/i/<token>) and /login (R5, R9)."""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, render_template, request

from commands import enrolment
from commands.errors import CommandError
from storage.db import session
from storage.models import Workspace

bp = Blueprint("portal", __name__, template_folder="templates/pages", static_folder="static",
               static_url_path="/static/portal")

# What each dead link says; none of them names the customer or the workspace's other customers.
DEAD_LINKS = {
    "replaced": ("A newer invitation was sent",
                 "This link was replaced by a newer invitation. Use the link in the most recent "
                 "invitation email you received."),
    "revoked": ("This invitation was withdrawn",
                "This invitation is no longer available. If you still need access, contact the "
                "person who invited you."),
    "expired": ("This invitation has expired",
                "Invitation links are valid for a limited time. Ask the person who invited you to "
                "send a new one."),
    "used": ("This invitation was already used",
             "Your account is set up. Log in with your email address and password."),
    "frozen": ("This invitation is on hold",
               "Your access is on hold. Log in to see the note from the team, or contact them."),
    "unknown": ("This link is not valid",
                "Check that you copied the whole link from the email. If it still does not work, "
                "ask the person who invited you to send a new invitation."),
}


def link_limit() -> str:
    return current_app.config["LINK_RATE_LIMIT"]


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


# Failed passwords for one account, from any client. A short window: the customer is back in at most
# five minutes after a guesser stops, while guessing runs at 60 an hour per account at the most.
ACCOUNT_LOGIN_LIMIT = "5 per 5 minutes"


def account_login_limit() -> str:
    return current_app.config["ACCOUNT_LOGIN_LIMIT"]


def account_key() -> str:
    """The account a login names: its address as typed, trimmed and lower-cased (R1's identity)."""
    return "account:" + request.form.get("email", "").strip().lower()[:320]


def _dead(state: str, workspace=None):
    title, text = DEAD_LINKS[state]
    return render_template("dead_link.html", title=title, text=text, state=state,
                           brand=workspace), 410


@bp.get("/i/<token>")
def invitation(token: str):
    with session():
        view = enrolment.open_link(token)
        if view.state not in ("valid", "welcome"):
            return _dead(view.state, view.workspace)
        return render_template("register.html", view=view, brand=view.workspace, error=None,
                               name=view.customer.name)


@bp.post("/i/<token>")
def accept(token: str):
    form = request.form
    with session():
        try:
            outcome = enrolment.accept(token, form.get("name", ""), form.get("password", ""),
                                       form.get("password2", ""))
        except CommandError as exc:
            if exc.field in DEAD_LINKS:
                view = enrolment.open_link(token)
                return _dead(exc.field, view.workspace)
            view = enrolment.open_link(token)
            if view.state not in ("valid", "welcome"):
                return _dead(view.state, view.workspace)
            return render_template("register.html", view=view, brand=view.workspace,
                                   error=exc.message, name=form.get("name", "")), 422
        return render_template("enrolled.html", outcome=outcome, brand=outcome.invitation.workspace)


MAX_ID = 2**63 - 1  # the largest id a database column holds; anything larger names nothing


@bp.get("/brand/<int:workspace_id>.css")
def brand_css(workspace_id: int):
    """The workspace's accent colour as a stylesheet (the CSP allows no inline styles)."""
    if workspace_id > MAX_ID:
        abort(404)
    with session():
        ws = Workspace.get_or_none(Workspace.id == workspace_id)
        colour = ws.accent_color if ws and re.fullmatch(r"#[0-9a-fA-F]{6}", ws.accent_color or "") else "#2b5fad"
    return f":root {{ --accent: {colour}; }}\n", 200, {"Content-Type": "text/css", "Cache-Control": "max-age=300"}


@bp.get("/login")
def login_form():
    return render_template("login.html", error=None, email="", brand=None)


@bp.post("/login")
def login():
    email = request.form.get("email", "")
    with session():
        result = enrolment.login(email, request.form.get("password", ""))
        if result.state == "refused":
            return render_template("login.html", error=result.message, email=email, brand=None), 401
        if result.state == "suspended":
            return render_template("suspended.html", result=result,
                                   brand=result.suspended[0].workspace), 403
        return render_template("signed_in.html", result=result,
                               brand=result.memberships[0].workspace if len(result.memberships) == 1 else None)
