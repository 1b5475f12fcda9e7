"""Every customer form, submitted by Chromium over HTTPS, as production runs it.

`invitebot serve` (gunicorn, two workers, rate limits in Redis) sits behind a TLS-terminating
reverse proxy that adds X-Forwarded-For/-Proto/-Host the way nginx does, with a PUBLIC_URL of
https://… and FORWARDED_ALLOW_IPS naming the proxy. The browser trusts the proxy's throwaway
certificate. Before the fix (issue 11, finding 1) every one of these posts answered "This form has
expired": the pages sent no Referer and the CSRF check demanded one."""
from __future__ import annotations

import time

import pytest

from commands import customers, invitations, settings, signup
from storage.db import database
from storage.models import Customer, Workspace

from conftest import deliver, link_in
from tlskit import fresh_redis, serve_behind_proxy

BRAND = "Harbour Pest Control"
PASSWORD = "blue-harbour-42"
SIGNUP_MIN_SECONDS = 2  # portal.signup_pages.MIN_SECONDS: the form token refuses a faster form


@pytest.fixture
def site(tls, db_url, smtp, admin, tmp_path):
    with serve_behind_proxy(tls, db_url, smtp.url, tmp_path / "serve.log",
                            RATELIMIT_STORAGE_URI=fresh_redis()) as served:
        with database.connection_context():
            settings.update(admin, {"brand_name": BRAND})
        served.smtp = smtp
        yield served


def in_db(fn, *args, **kwargs):
    with database.connection_context():
        return fn(*args, **kwargs)


def heading(page) -> str:
    return page.locator("main h1").inner_text().strip()


def emailed_link(site, to: str) -> str:
    deliver(site.config)
    mails = [m for m in site.smtp.wait_for(1) if m["To"] == to]
    assert mails, f"no email to {to}"
    return link_in(mails[-1])


def submit(page, button: str) -> int:
    with page.expect_navigation() as nav:
        page.get_by_role("button", name=button).click()
    return nav.value.status


def assert_clean(page) -> None:
    assert page.trouble.all() == [], "the browser reported: " + "\n".join(page.trouble.all())


def register(page, link: str) -> None:
    assert page.goto(link).status == 200
    assert heading(page) == "Set up your account"
    if not page.get_by_label("Your name").input_value():
        page.get_by_label("Your name").fill("Sam Customer")
    page.get_by_label("Password (at least 10 characters)").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    assert submit(page, "Create my account") == 200
    assert heading(page) == "You are enrolled"


def log_in(page, site, email: str) -> int:
    page.goto(site.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    return submit(page, "Log in")


def test_registration_and_login_work_over_https_with_secure_cookies(site, admin, https_page):
    page = https_page
    in_db(invitations.invite, admin, "pat@example.com", name="Pat Q")
    link = emailed_link(site, "pat@example.com")
    assert link.startswith(site.url + "/i/") and link.startswith("https://")

    register(page, link)
    with database.connection_context():
        assert customers.status(admin, "pat@example.com").label == "Enrolled"

    assert log_in(page, site, "pat@example.com") == 200
    assert heading(page) == "Signed in"
    cookies = page.context.cookies(site.url)
    assert cookies and all(c["secure"] and c["httpOnly"] for c in cookies), cookies
    assert_clean(page)
    page.shot("https-signed-in")


def test_a_suspended_customer_sees_the_note_over_https(site, admin, https_page):
    page = https_page
    in_db(invitations.invite, admin, "sam@example.com")
    register(page, emailed_link(site, "sam@example.com"))
    in_db(customers.suspend, admin, "sam@example.com", "Invoices overdue: call accounts")
    assert log_in(page, site, "sam@example.com") == 403
    assert "Invoices overdue: call accounts" in page.locator("main").inner_text()
    assert_clean(page)


def _fill_sign_up(page, name: str, email: str) -> None:
    shown_at = time.monotonic()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    time.sleep(max(0.0, SIGNUP_MIN_SECONDS + 0.3 - (time.monotonic() - shown_at)))


def test_the_sign_up_link_form_and_its_emailed_link_work_over_https(site, admin, https_page):
    page = https_page
    url = site.url + in_db(signup.new_link, admin).url_path
    assert page.goto(url).status == 200
    _fill_sign_up(page, "Robin Vale", "robin@example.com")
    assert submit(page, "Send") == 200
    assert heading(page) == "Thank you — check your email"

    register(page, emailed_link(site, "robin@example.com"))
    with database.connection_context():
        assert Customer.get(Customer.email_key == "robin@example.com").is_enrolled
    assert_clean(page)


def test_the_self_sign_up_form_works_over_https(site, admin, https_page):
    page = https_page
    url = site.url + in_db(signup.link_status, admin).signup_path
    assert page.goto(url).status == 200
    _fill_sign_up(page, "Kim Lee", "kim@example.com")
    assert submit(page, "Send") == 200
    assert heading(page) == "Thank you — check your email"
    with database.connection_context():
        ws = Workspace.get(Workspace.team_id == admin.team_id)
        kim = Customer.get((Customer.workspace == ws) & (Customer.email_key == "kim@example.com"))
        assert customers.status(admin, kim.email).label == "Requested"
    assert_clean(page)
