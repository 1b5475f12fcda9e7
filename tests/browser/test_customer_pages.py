"""The customer's pages in headless Chromium: what a person sees and does, over the real app on a socket.

Each test also checks, in the browser, that the Content-Security-Policy leaves these pages working
(no console errors or warnings, no uncaught script errors, no failed or refused subresource) and that
the workspace's accent colour from /brand/<id>.css reaches the header. A screenshot of every page
goes to test-artifacts/screenshots/ (not committed)."""
from __future__ import annotations

import time
import urllib.parse

import pytest

from commands import customers, enrolment, invitations, resends, settings, signup
from commands.clock import clock
from portal.pages import DEAD_LINKS
from portal.signup_pages import DEAD as SIGNUP_DEAD
from portal.signup_pages import MIN_SECONDS, RECEIVED
from storage.db import database
from storage.models import Customer, Invitation, OutboxEmail, Workspace

from conftest import deliver, link_in

BRAND = "Harbour Pest Control"
ACCENT = "#c0392b"            # what the admin chose
ACCENT_RGB = "rgb(192, 57, 43)"
DEFAULT_RGB = "rgb(43, 95, 173)"  # portal.css's #2b5fad, for pages that belong to no workspace
PASSWORD = "blue-harbour-42"


@pytest.fixture
def brand(portal, admin):
    """The admin's workspace, branded with a name and an accent colour through the settings command."""
    with database.connection_context():
        settings.update(admin, {"brand_name": BRAND, "accent_color": ACCENT})
        return Workspace.get(Workspace.team_id == admin.team_id)


def in_db(fn, *args, **kwargs):
    with database.connection_context():
        return fn(*args, **kwargs)


def token_of(path_or_url: str) -> str:
    return urllib.parse.urlsplit(path_or_url).path.rstrip("/").rsplit("/", 1)[-1]


def emailed_link(portal, to: str) -> str:
    """Deliver the outbox through the SMTP sink and take the link from the newest email to `to`."""
    deliver(portal.config)
    mails = [m for m in portal.smtp.wait_for(1) if m["To"] == to]
    assert mails, f"no email to {to}; got {[m['To'] for m in portal.smtp.wait_for(1)]}"
    return link_in(mails[-1])


def heading(page) -> str:
    return page.locator("main h1").inner_text().strip()


def header_colour(page) -> str:
    return page.locator("header.brand").evaluate("e => getComputedStyle(e).backgroundColor")


def assert_clean(page) -> None:
    """The page loaded every subresource it asked for and nothing was refused or logged as a problem."""
    assert page.trouble.all() == [], "the browser reported: " + "\n".join(page.trouble.all())


def assert_branded(page, colour: str = ACCENT_RGB, name: str = BRAND) -> None:
    assert page.locator("header.brand").inner_text().strip() == name
    assert header_colour(page) == colour
    stylesheets = page.locator("link[rel=stylesheet]").evaluate_all("ls => ls.map(l => l.href)")
    if colour != DEFAULT_RGB:
        assert any("/brand/" in href for href in stylesheets), stylesheets


def invite(admin, email: str, **args) -> None:
    in_db(invitations.invite, admin, email, **args)


def test_registration_from_the_emailed_link_enrols_the_customer(portal, admin, brand, browser_page):
    page = browser_page
    invite(admin, "pat@example.com", name="Pat Q")
    link = emailed_link(portal, "pat@example.com")
    assert link.startswith(portal.url + "/i/")

    response = page.goto(link)
    assert response.status == 200
    assert heading(page) == "Set up your account"
    assert page.title() == f"Set up your account · {BRAND}"
    assert f"{BRAND} invited you to its customer portal." in page.locator("main").inner_text()
    assert page.locator("input[type=email]").input_value() == "pat@example.com"
    assert page.locator("input[type=email]").is_disabled()
    assert page.get_by_label("Your name").input_value() == "Pat Q"
    assert_branded(page)
    assert page.locator("button[type=submit]").evaluate(
        "e => getComputedStyle(e).backgroundColor") == ACCENT_RGB
    page.shot("register")

    # A mismatched repeat is refused on the same page, with the person's name kept.
    page.get_by_label("Your name").fill("Pat Quinn")
    page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD + "x")
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Create my account").click()
    assert nav.value.status == 422
    assert page.get_by_role("alert").inner_text().strip()
    assert page.get_by_label("Your name").input_value() == "Pat Quinn"
    page.shot("register-error")

    page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Create my account").click()
    assert nav.value.status == 200
    assert heading(page) == "You are enrolled"
    assert f"Welcome, Pat Quinn! Your account with {BRAND} is ready" in page.locator("main").inner_text()
    assert_branded(page)
    page.shot("enrolled")
    assert_clean(page)

    with database.connection_context():
        assert customers.status(admin, "pat@example.com").label == "Enrolled"

    # "Log in now" leads to the login page, where the new password works.
    page.get_by_role("link", name="Log in now").click()
    assert heading(page) == "Log in"
    page.get_by_label("Email").fill("pat@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Log in").click()
    assert nav.value.status == 200
    assert heading(page) == "Signed in"
    assert "Signed in as pat@example.com." in page.locator("main").inner_text()
    assert_branded(page)
    page.shot("signed-in")
    assert_clean(page)


def _make_dead(state: str, portal, admin) -> str:
    """A link in `state`, as the customer holds it."""
    if state == "unknown":
        return f"{portal.url}/i/{'x' * 43}"
    invite(admin, "dana@example.com", name="Dana")
    link = emailed_link(portal, "dana@example.com")
    with database.connection_context():
        if state == "replaced":
            resends.resend(admin, "dana@example.com")
        elif state == "revoked":
            resends.revoke(admin, "dana@example.com")
        elif state == "expired":
            clock.advance(days=8)  # links are valid 7 days by default
        elif state == "used":
            enrolment.accept(token_of(link), "Dana", PASSWORD, PASSWORD)
        elif state == "frozen":
            customers.suspend(admin, "dana@example.com", "Account on hold: call 555-0100")
    return link


@pytest.mark.parametrize("state", ["replaced", "revoked", "expired", "used", "unknown", "frozen"])
def test_a_dead_link_says_why_and_what_to_do(portal, admin, brand, browser_page, state):
    page = browser_page
    link = _make_dead(state, portal, admin)
    response = page.goto(link)
    assert response.status == 410
    title, text = DEAD_LINKS[state]
    assert heading(page) == title
    assert page.locator("p.dead-link").inner_text().strip() == text
    assert page.locator("p.dead-link").get_attribute("data-state") == state
    if state == "unknown":
        # No invitation, so no workspace to brand the page with: the portal's own look.
        assert_branded(page, DEFAULT_RGB, "Customer portal")
    else:
        assert_branded(page)
    body = page.locator("body").inner_text()
    assert "dana@example.com" not in body  # a dead link names nobody
    page.shot(f"dead-link-{state}")
    assert_clean(page)
    if state in ("used", "frozen"):
        page.get_by_role("link", name="Go to the login page").click()
        assert heading(page) == "Log in"
        assert_clean(page)


def test_the_same_link_submitted_from_a_second_tab_after_enrolling_shows_the_used_page(
        portal, admin, brand, browser_page):
    """Two tabs on one emailed link: the first enrols, the second is told the link was used (R5)."""
    first = browser_page
    invite(admin, "lee@example.com", name="Lee")
    link = emailed_link(portal, "lee@example.com")
    second = first.context.new_page()
    for tab in (first, second):
        tab.goto(link)
        tab.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
        tab.get_by_label("Password again").fill(PASSWORD)
    with first.expect_navigation():
        first.get_by_role("button", name="Create my account").click()
    assert heading(first) == "You are enrolled"
    with second.expect_navigation() as nav:
        second.get_by_role("button", name="Create my account").click()
    assert nav.value.status == 410
    assert heading(second) == DEAD_LINKS["used"][0]
    assert_branded(second)
    assert_clean(first)


def test_login_of_a_suspended_customer_shows_the_admins_note(portal, admin, brand, browser_page):
    page = browser_page
    note = "Invoices overdue: <b>call</b> accounts on 555-0100 & ask for Jo"
    invite(admin, "sam@example.com", name="Sam")
    link = emailed_link(portal, "sam@example.com")
    in_db(enrolment.accept, token_of(link), "Sam", PASSWORD, PASSWORD)
    in_db(customers.suspend, admin, "sam@example.com", note)

    response = page.goto(f"{portal.url}/login")
    assert response.status == 200
    assert heading(page) == "Log in"
    assert_branded(page, DEFAULT_RGB, "Customer portal")  # before logging in, no workspace is known
    page.shot("login")

    # A wrong password says only that the pair does not match.
    page.get_by_label("Email").fill("sam@example.com")
    page.get_by_label("Password").fill("not-the-password")
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Log in").click()
    assert nav.value.status == 401
    assert "do not match an account" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Email").input_value() == "sam@example.com"
    assert "suspended" not in page.locator("main").inner_text().lower()
    page.shot("login-refused")

    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Log in").click()
    assert nav.value.status == 403
    assert heading(page) == "Access suspended"
    assert f"Your access to {BRAND}'s portal has been suspended." in page.locator("main").inner_text()
    shown = page.locator("blockquote.note")
    assert shown.inner_text().strip() == note   # the note as typed, shown as text
    assert shown.locator("b").count() == 0       # never as markup
    assert shown.evaluate("e => getComputedStyle(e).borderLeftColor") == ACCENT_RGB
    assert_branded(page)
    page.shot("login-suspended")
    assert_clean(page)

    # Reinstated: the same password lets them in.
    in_db(customers.reinstate, admin, "sam@example.com")
    page.goto(f"{portal.url}/login")
    page.get_by_label("Email").fill("sam@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Log in").click()
    assert nav.value.status == 200
    assert heading(page) == "Signed in"
    assert_clean(page)


def _honeypot_hidden(page) -> None:
    """The field only bots fill in is outside the visible page and out of the tab order."""
    trap = page.locator("input[name=website]")
    box = trap.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0, box
    assert trap.get_attribute("tabindex") == "-1"
    assert page.locator("label.hp").get_attribute("aria-hidden") == "true"


def _wait_like_a_person(portal, shown_at: float) -> None:
    """The form token refuses a form sent sooner than SIGNUP_MIN_SECONDS after it was shown."""
    least = portal.server.app.config["SIGNUP_MIN_SECONDS"]
    left = least + 0.3 - (time.monotonic() - shown_at)
    if left > 0:
        time.sleep(left)


def test_the_sign_up_link_page_takes_a_sign_up_and_the_email_leads_to_enrolment(portal, admin, brand,
                                                                                browser_page):
    page = browser_page
    status = in_db(signup.new_link, admin)
    link = portal.url + status.url_path

    response = page.goto(link)
    shown_at = time.monotonic()
    assert response.status == 200
    assert heading(page) == f"Join {BRAND}"
    assert_branded(page)
    _honeypot_hidden(page)
    page.shot("join")

    page.get_by_label("Your name").fill("Robin Vale")
    page.get_by_label("Email").fill("robin@example.com")
    page.get_by_label("Account number (optional)").fill("ACC-77")
    _wait_like_a_person(portal, shown_at)
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Send").click()
    assert nav.value.status == 200
    assert heading(page) == RECEIVED[0] == "Thank you — check your email"
    assert RECEIVED[1] in page.locator("main").inner_text()
    assert_branded(page)
    page.shot("join-received")
    assert_clean(page)

    # This workspace's sign-up link needs no approval: the email carries the registration link.
    confirmation = emailed_link(portal, "robin@example.com")
    page.goto(confirmation)
    assert heading(page) == "Set up your account"
    assert page.get_by_label("Your name").input_value() == "Robin Vale"
    page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Create my account").click()
    assert heading(page) == "You are enrolled"
    assert_clean(page)
    with database.connection_context():
        robin = Customer.get(Customer.email_key == "robin@example.com")
        assert robin.is_enrolled and robin.account_number == "ACC-77"


def test_a_disabled_sign_up_link_shows_a_dead_page(portal, admin, brand, browser_page):
    page = browser_page
    status = in_db(signup.new_link, admin)
    in_db(signup.disable_link, admin)
    response = page.goto(portal.url + status.url_path)
    assert response.status == 410
    assert heading(page) == SIGNUP_DEAD["disabled"][0]
    assert_branded(page)
    page.shot("join-disabled")
    assert_clean(page)


def _signup_url(portal, admin) -> str:
    status = in_db(signup.link_status, admin)
    assert status.signup_path, "self sign-up is on by default"
    return portal.url + status.signup_path


def test_the_self_sign_up_form_refuses_a_too_fast_form_then_takes_the_request(portal, admin, brand,
                                                                              browser_page):
    page = browser_page
    url = _signup_url(portal, admin)
    response = page.goto(url)
    shown_at = time.monotonic()
    assert response.status == 200
    assert heading(page) == "Request access"
    assert f"Ask for access to {BRAND}'s customer portal." in page.locator("main").inner_text()
    assert_branded(page)
    _honeypot_hidden(page)
    page.shot("signup")

    # Sent sooner than a person could fill it in, the time-based form token refuses it and keeps what
    # was typed. (The minimum is raised for this one submission so that a slow machine cannot make
    # the browser "human"; it is put back before the second one.)
    page.get_by_label("Your name").fill("Kit Moss")
    page.get_by_label("Email").fill("kit@example.com")
    app_config = portal.server.app.config
    app_config["SIGNUP_MIN_SECONDS"] = 600
    try:
        with page.expect_navigation() as nav:
            page.get_by_role("button", name="Send").click()
    finally:
        app_config["SIGNUP_MIN_SECONDS"] = MIN_SECONDS
    shown_at = time.monotonic()
    assert nav.value.status == 400
    assert "The form could not be accepted" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Your name").input_value() == "Kit Moss"
    assert page.get_by_label("Email").input_value() == "kit@example.com"
    page.shot("signup-too-fast")
    with database.connection_context():
        assert Customer.select().where(Customer.email_key == "kit@example.com").count() == 0

    _wait_like_a_person(portal, shown_at)
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Send").click()
    assert nav.value.status == 200
    assert heading(page) == RECEIVED[0]
    page.shot("signup-received")
    assert_clean(page)
    with database.connection_context():
        kit = Customer.get(Customer.email_key == "kit@example.com")
        assert kit.name == "Kit Moss"
        assert Invitation.latest_for(kit).status == Invitation.REQUESTED  # R15: waits for an admin


def test_a_self_sign_up_with_the_honeypot_filled_looks_received_but_stores_nothing(portal, admin, brand,
                                                                                    browser_page):
    page = browser_page
    page.goto(_signup_url(portal, admin))
    shown_at = time.monotonic()
    page.get_by_label("Your name").fill("Bot McBotface")
    page.get_by_label("Email").fill("bot@example.com")
    page.locator("input[name=website]").fill("https://spam.example", force=True)
    _wait_like_a_person(portal, shown_at)
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="Send").click()
    assert nav.value.status == 200
    assert heading(page) == RECEIVED[0]  # the bot learns nothing
    assert_clean(page)
    with database.connection_context():
        assert Customer.select().where(Customer.email_key == "bot@example.com").count() == 0
        assert OutboxEmail.select().where(OutboxEmail.to_address == "bot@example.com").count() == 0


def test_an_unknown_self_sign_up_address_says_sign_up_is_not_available(portal, admin, brand, browser_page):
    page = browser_page
    response = page.goto(f"{portal.url}/signup/no-such-team")
    assert response.status == 410
    assert heading(page) == SIGNUP_DEAD["unavailable"][0]
    assert_branded(page, DEFAULT_RGB, "Customer portal")
    page.shot("signup-unavailable")
    assert_clean(page)


def test_the_policy_is_enforced_so_the_checks_above_would_see_a_refused_inline_style(portal, browser_page):
    """The pages' own look comes only from stylesheets: an inline <style> (what an injected snippet
    would use) is refused by the Content-Security-Policy, and the refusal is what assert_clean sees."""
    page = browser_page
    page.goto(f"{portal.url}/login")
    assert_clean(page)
    before = page.locator("body").evaluate("e => getComputedStyle(e).backgroundColor")
    page.evaluate("""() => {
        const s = document.createElement('style');
        s.textContent = 'body { background: rgb(1, 2, 3) !important }';
        document.head.appendChild(s);
    }""")
    page.wait_for_timeout(100)
    assert page.locator("body").evaluate("e => getComputedStyle(e).backgroundColor") == before
    assert any("Content Security Policy" in line for line in page.trouble.console), page.trouble.console
