"""The sign-up pages: /join/<token> (shareable link, R14) and /signup/<workspace> (R15)."""
from __future__ import annotations

import datetime as dt
import hmac
import secrets

from flask import Blueprint, current_app, render_template, request, session as browser_session
from itsdangerous import BadSignature, TimestampSigner

from commands import signup
from commands.clock import clock
from commands.errors import CommandError
from storage.db import session

bp = Blueprint("signup", __name__)

MIN_SECONDS = 2        # a person takes longer than this to fill the form; a bot does not
MAX_SECONDS = 2 * 3600  # a form older than this must be reloaded
SESSION_KEY = "signup_form"  # in the signed session cookie: what this browser's form tokens are bound to

DEAD = {
    "expired": ("This sign-up link has expired", "Ask the team that shared it for a new link."),
    "disabled": ("This sign-up link is no longer active", "Ask the team that shared it for a new link."),
    "unknown": ("This sign-up link is not valid", "Check that you copied the whole link."),
    "unavailable": ("Sign-up is not available here", "Check the address, or contact the team that sent it."),
}
RECEIVED = ("Thank you — check your email",
            "If this address can be given access, we have sent you an email with the next step. "
            "If a team member needs to approve your request first, that email follows their approval.")


def signup_limit() -> str:
    return current_app.config["SIGNUP_RATE_LIMIT"]


class _Signer(TimestampSigner):
    """Signs with the app's clock, which tests can move."""

    def get_timestamp(self) -> int:
        return int(clock.now().replace(tzinfo=dt.timezone.utc).timestamp())


def _signer() -> TimestampSigner:
    return _Signer(current_app.config["SECRET_KEY"], salt="invitebot-signup-form")


def _form_token() -> str:
    """A token for one showing of the form: bound to this browser's session, and new each time."""
    binding = browser_session.get(SESSION_KEY)
    if not binding:
        binding = browser_session[SESSION_KEY] = secrets.token_urlsafe(16)
    return _signer().sign(f"{binding}.{secrets.token_urlsafe(16)}".encode()).decode()


def _form_ok(token: str) -> bool:
    """The form token (issue 11): signed when the page was shown to this same browser session, sent
    back neither too fast (a bot) nor too late, and accepted once."""
    try:
        payload, signed_at = _signer().unsign(token or "", max_age=MAX_SECONDS, return_timestamp=True)
    except BadSignature:  # forged, or older than MAX_SECONDS (SignatureExpired)
        return False
    binding, _, nonce = payload.decode("ascii", "replace").partition(".")
    ours = browser_session.get(SESSION_KEY) or ""
    if not (ours and nonce and hmac.compare_digest(binding.encode(), ours.encode())):
        return False  # loaded in another browser session, or by a script that kept only the token
    age = clock.now().replace(tzinfo=dt.timezone.utc) - signed_at
    if age.total_seconds() < current_app.config["SIGNUP_MIN_SECONDS"]:
        return False
    return signup.spend_form(nonce, valid_for=dt.timedelta(seconds=MAX_SECONDS))


def _dead(state: str, brand=None):
    title, text = DEAD[state]
    return render_template("dead_link.html", title=title, text=text, state=state, brand=brand), 410


def _form(template: str, brand, error=None, values=None, code=200):
    return render_template(template, brand=brand, error=error, values=values or {},
                           form_token=_form_token()), code


def _submit(template: str, brand, action):
    values = {k: request.form.get(k, "") for k in ("name", "email", "account")}
    if request.form.get("website"):  # the hidden field only bots fill in
        return render_template("received.html", brand=brand, title=RECEIVED[0], text=RECEIVED[1], error=None)
    if not _form_ok(request.form.get("form_token", "")):
        return _form(template, brand, "The form could not be accepted: please check your details and "
                                      "send it again.", values, 400)
    try:
        action(values)
    except CommandError as exc:
        return _form(template, brand, exc.message, values, 422)
    return render_template("received.html", brand=brand, title=RECEIVED[0], text=RECEIVED[1], error=None)


@bp.get("/join/<token>")
def join_form(token: str):
    with session():
        state, link = signup.link_for(token)
        if state != "active":
            return _dead(state, link.workspace if link else None)
        return _form("join.html", link.workspace)


@bp.post("/join/<token>")
def join(token: str):
    with session():
        state, link = signup.link_for(token)
        if state != "active":
            return _dead(state, link.workspace if link else None)
        return _submit("join.html", link.workspace,
                       lambda v: signup.join(token, v["name"], v["email"], v["account"]))


@bp.get("/signup/<slug>")
def signup_form(slug: str):
    with session():
        ws = signup.workspace_for_signup(slug)
        if ws is None:
            return _dead("unavailable")
        return _form("signup.html", ws)


@bp.post("/signup/<slug>")
def signup_submit(slug: str):
    with session():
        ws = signup.workspace_for_signup(slug)
        if ws is None:
            return _dead("unavailable")
        return _submit("signup.html", ws, lambda v: signup.self_signup(ws, v["name"], v["email"], v["account"]))
