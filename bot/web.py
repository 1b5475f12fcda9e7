"""The Flask app factory: portal pages, /healthz and (with Slack configured) /slack/events."""
from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from bot.config import Config
from bot.origins import origin_key
from bot.proxy import TrustedProxies
from portal import pages, signup_pages
from storage.db import database, open_database

log = logging.getLogger("invitebot.web")

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' https: data:; style-src 'self'; "
                                "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                "base-uri 'none'; object-src 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Invitation tokens live in page URLs: a Referer carries the origin only, never the path. Not
    # no-referrer: with it browsers send `Origin: null` on form posts, which the CSRF check refuses.
    "Referrer-Policy": "strict-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}



class SameOriginCSRF(CSRFProtect):
    """Flask-WTF's token check, then the browser's own word on where the form came from.

    A post must come from one of our pages: its `Origin` (every current browser sends one on a form
    post), else its `Referer`, must be PUBLIC_URL's origin or the origin the request was made to.
    Over HTTPS one of the two is required; over plain HTTP (local use) a post with neither passes
    on the token alone. This replaces Flask-WTF's strict Referer check (WTF_CSRF_SSL_STRICT), which
    needs a full Referer that the referrer policy rightly withholds."""

    def protect(self, apply_exemptions=False):
        super().protect(apply_exemptions=apply_exemptions)
        if not g.get("csrf_valid"):  # a safe method or an exempt view: nothing was checked
            return
        claimed = request.headers.get("Origin") or request.headers.get("Referer")
        if claimed is None and not request.is_secure:
            return
        ours = {origin_key(request.host_url), origin_key(current_app.config["INVITEBOT"].public_url)}
        if claimed is None or origin_key(claimed) not in ours - {None}:
            self._error_response("The form was not sent from this site.")


csrf = SameOriginCSRF()


def create_app(config: Config | None = None, **overrides) -> Flask:
    config = config or Config.from_env()
    if database.obj is None:
        open_database(config.database_url)
    app = Flask(__name__, template_folder="../portal/templates/pages")
    app.config.update(
        SECRET_KEY=config.session_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        WTF_CSRF_TIME_LIMIT=3600 * 4,
        WTF_CSRF_SSL_STRICT=False,  # SameOriginCSRF checks the origin instead
        RATELIMIT_STORAGE_URI=config.ratelimit_storage,
        RATELIMIT_HEADERS_ENABLED=True,
        # Redis gone: the limits go on per worker (Flask-Limiter logs a warning) instead of every page 500.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,  # and if it fails mid-request, the limit is skipped, not the page
        LINK_RATE_LIMIT="30 per minute",
        LOGIN_RATE_LIMIT="10 per minute",
        ACCOUNT_LOGIN_LIMIT=pages.ACCOUNT_LOGIN_LIMIT,
        SIGNUP_RATE_LIMIT="5 per minute",
        SIGNUP_MIN_SECONDS=signup_pages.MIN_SECONDS,
        MAX_CONTENT_LENGTH=1024 * 1024,
        INVITEBOT=config,
    )
    app.config.update(overrides)
    config.check_ratelimit_storage()
    # Limits and logs see the real client only through a proxy FORWARDED_ALLOW_IPS names.
    app.wsgi_app = TrustedProxies(app.wsgi_app, config.forwarded_allow_ips)
    csrf.init_app(app)
    limiter = Limiter(get_remote_address, app=app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(signup_pages.bp)
    # Flask-Limiter checks the wrapped views, so the registered endpoints must be the wrappers.
    for endpoint, view, limit, methods in (
            ("portal.invitation", pages.invitation, pages.link_limit, ["GET"]),
            ("portal.accept", pages.accept, pages.link_limit, ["POST"]),
            ("portal.login", pages.login, pages.login_limit, ["POST"]),
            ("signup.join", signup_pages.join, signup_pages.signup_limit, ["POST"]),
            ("signup.signup_submit", signup_pages.signup_submit, signup_pages.signup_limit, ["POST"])):
        app.view_functions[endpoint] = limiter.limit(limit, methods=methods)(view)
    # Per account as well as per client (OWASP): only failed passwords count, and the window is short,
    # so guessing is slow but nobody can keep a customer out for long.
    app.view_functions["portal.login"] = limiter.limit(
        pages.account_login_limit, key_func=pages.account_key, methods=["POST"],
        deduct_when=lambda response: response.status_code == 401)(app.view_functions["portal.login"])
    if config.signing_secret and config.bot_token:
        from bot.slack import http as slack_http
        slack_http.mount(app, config, limiter, csrf)

    @app.get("/healthz")
    def healthz():
        database.execute_sql("SELECT 1")
        return jsonify(status="ok")

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def csrf_failed(exc):
        return _error_page("This form has expired",
                           "For your security the form could not be accepted. Go back, reload the "
                           "page and submit it again.", 400)

    @app.errorhandler(429)
    def too_many(exc):
        return _error_page("Too many attempts",
                           "Please wait a few minutes before trying again.", 429)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code == 404:
            return _error_page("Page not found", "Check the address, or use the link in your email.", 404)
        return _error_page(exc.name, "That request could not be handled. Go back and try again.",
                           exc.code or 400)

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unhandled error")
        return _error_page("Something went wrong",
                           "We could not complete that. Please try again in a minute; nothing was "
                           "lost.", 500)

    return app


def _error_page(title: str, text: str, code: int):
    return render_template("error.html", title=title, text=text, brand=None, error=None), code
