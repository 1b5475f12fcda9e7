"""The whole lifecycle over real HTTP and real SMTP."""
from bot.browser import Browser
from commands import customers, invitations
from storage.db import database

from conftest import deliver, link_in


def test_admin_invite_email_register_enrolled_then_suspended_login_shows_note(portal, admin):
    with database.connection_context():
        invitations.invite(admin, "pat@example.com", name="Pat")
    report = deliver(portal.config)
    assert report.sent == 1
    mail = portal.smtp.wait_for(1)[0]
    assert mail["To"] == "pat@example.com"
    link = link_in(mail)
    browser = Browser()
    page = browser.get(link)
    assert page.status == 200 and page.title == "Set up your account"
    page = browser.submit(link, {"name": "Pat Q", "password": "blue-harbour-42",
                                 "password2": "blue-harbour-42"})
    assert page.status == 200 and page.title == "You are enrolled"
    with database.connection_context():
        assert customers.status(admin, "pat@example.com").label == "Enrolled"
        customers.suspend(admin, "pat@example.com", "Invoices overdue: call 555-0100")
    page = Browser().submit(f"{portal.url}/login", {"email": "pat@example.com",
                                                    "password": "blue-harbour-42"})
    assert page.status == 403
    assert "Invoices overdue: call 555-0100" in page.text
