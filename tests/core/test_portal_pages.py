"""The customer's pages over real HTTP: branding, dead links, login and the signed-in page.
(CSRF, headers, cookies and rate limits are in tests/security/test_web_hardening.py.)"""
from __future__ import annotations

import pytest
import requests

from bot.browser import Browser, Page
from commands import customers, enrolment, invitations, resends
from commands.clock import clock

from support import BRAND, PASSWORD, branded_workspace, invite_and_enrol, queued_token

@pytest.fixture(autouse=True)
def workspace(db):
    return branded_workspace()


def page(response: requests.Response) -> Page:
    return Page(response.status_code, response.text)


def invited(admin, email: str = "pat@example.com", **args) -> str:
    invitations.invite(admin, email, **args)
    return queued_token(email)


def test_registration_page_is_branded_with_the_workspace_name(portal, admin):
    token = invited(admin)
    shown = page(requests.get(f"{portal.url}/i/{token}"))
    assert (shown.status, shown.title) == (200, "Set up your account")
    assert f"<title>Set up your account · {BRAND}</title>" in shown.body
    assert f'<span class="brand-name">{BRAND}</span>' in shown.body
    assert f"{BRAND} invited you to its customer portal." in shown.text
    assert shown.csrf_token


def _replaced(admin, token):
    resends.resend(admin, "pat@example.com")
    return token


def _revoked(admin, token):
    resends.revoke(admin, "pat@example.com")
    return token


def _expired(admin, token):
    clock.advance(days=8)
    return token


def _used(admin, token):
    enrolment.accept(token, "Pat", PASSWORD, PASSWORD)
    return token


@pytest.mark.parametrize("make_dead, title, says", [
    (_replaced, "A newer invitation was sent", "Use the link in the most recent invitation email"),
    (_revoked, "This invitation was withdrawn", "contact the person who invited you"),
    (_expired, "This invitation has expired", "Ask the person who invited you to send a new one."),
    (_used, "This invitation was already used", "Log in with your email address and password."),
    (lambda admin, token: "A" * 43, "This link is not valid", "Check that you copied the whole link"),
    (lambda admin, token: token[:30], "This link is not valid", "Check that you copied the whole link"),
], ids=["replaced", "revoked", "expired", "used", "unknown", "truncated"])
def test_each_dead_link_has_its_own_page_that_does_not_show_the_customers_email(
        portal, admin, make_dead, title, says):
    token = make_dead(admin, invited(admin, name="Pat Customer"))
    shown = page(requests.get(f"{portal.url}/i/{token}"))
    assert (shown.status, shown.title) == (410, title)
    assert says in shown.text
    assert "pat@example.com" not in shown.body and "Pat Customer" not in shown.body


def test_posting_to_a_used_link_with_a_valid_form_shows_the_used_page(portal, admin):
    token = invited(admin)
    link = f"{portal.url}/i/{token}"
    browser = Browser()
    form = browser.get(link)
    enrolment.accept(token, "Pat", PASSWORD, PASSWORD)  # accepted in another tab meanwhile
    shown = browser.post(link, {"csrf_token": form.csrf_token, "name": "Pat",
                                "password": "other-password-7", "password2": "other-password-7"})
    assert (shown.status, shown.title) == (410, "This invitation was already used")


def test_wrong_password_and_unknown_email_get_the_same_refusal(portal, admin):
    invite_and_enrol(admin, "pat@example.com")
    wrong = Browser().submit(f"{portal.url}/login", {"email": "pat@example.com",
                                                     "password": "not-the-password"})
    unknown = Browser().submit(f"{portal.url}/login", {"email": "nobody@example.com",
                                                       "password": PASSWORD})
    assert wrong.status == unknown.status == 401
    assert wrong.text == unknown.text
    assert "That email and password do not match an account. Check both and try again" in wrong.text


def test_suspended_customer_logging_in_sees_the_note(portal, admin):
    invite_and_enrol(admin, "pat@example.com")
    customers.suspend(admin, "pat@example.com", "Invoices overdue: call 555-0100")
    shown = Browser().submit(f"{portal.url}/login", {"email": "pat@example.com", "password": PASSWORD})
    assert (shown.status, shown.title) == (403, "Access suspended")
    assert f"Your access to {BRAND}'s portal has been suspended." in shown.text
    assert "Invoices overdue: call 555-0100" in shown.text


def test_signed_in_page_lists_the_customers_access_areas_and_role(portal, admin):
    token = invited(admin, account="ACME-1", access=["Inspection reports", "Invoicing / payments"])
    browser = Browser()
    enrolled = browser.submit(f"{portal.url}/i/{token}", {"name": "Pat", "password": PASSWORD,
                                                         "password2": PASSWORD})
    assert (enrolled.status, enrolled.title) == (200, "You are enrolled")
    shown = browser.submit(f"{portal.url}/login", {"email": "PAT@example.com", "password": PASSWORD})
    assert (shown.status, shown.title) == (200, "Signed in")
    assert "Role: account admin of account ACME-1" in shown.text
    assert "You can see: Inspection reports Invoicing / payments" in shown.text
    assert "Proposals" not in shown.text


def test_healthz_says_ok(portal):
    response = requests.get(f"{portal.url}/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
