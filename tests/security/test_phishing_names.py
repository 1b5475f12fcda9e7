"""Security finding 5 (issue 11): whoever has the sign-up link (or the public sign-up page, or a CSV
cell) chooses the customer's name, and that name goes into the company's branded emails. A name with
line breaks and a URL must not become a paragraph of its own with a link in it: names are one line on
every path that stores one, and the HTML part links only the system's own links.

Through the real stack: the portal's /join/ and /signup/ forms over HTTP, Slack (through the local
stand-in) for the invite modal and the admin's denial, the `invite` command, a bulk CSV import, and
every email through the real SMTP sink."""
from __future__ import annotations

import html
import re

import pytest

from bot.slack import ids
from commands import bulk, inputs, invitations
from commands.actor import Actor
from portal import emails
from storage.db import session
from storage.models import Customer, OutboxEmail, Invitation

from bulk.conftest import write_csv
from conftest import TEAM
from signup.conftest import ADMIN, buttons, html_part, link_in, site, text_part  # noqa: F401 (site: fixture)

EVIL = "https://evil.example/verify"
# What str.splitlines(), mail clients or browsers may take for the end of a line or paragraph.
SEPARATORS = {"lf": "\n", "crlf": "\r\n", "line-separator": "\u2028", "paragraph-separator": "\u2029",
              "next-line": "\x85", "vertical-tab": "\x0b", "form-feed": "\x0c", "record-separator": "\x1e"}
ADMIN_ACTOR = Actor(TEAM, ADMIN, "Ada Admin", is_admin=True)


def phishing_name(sep: str) -> str:
    return f"Pat{sep}{sep}SECURITY NOTICE: your account is locked.{sep}Verify now at {EVIL}"


ONE_LINE = f"Pat SECURITY NOTICE: your account is locked. Verify now at {EVIL}"


def form_phishing_name(sep: str) -> str:
    """What gets past the public forms, which refuse a web address in a name: line breaks still try."""
    return f"Pat{sep}{sep}SECURITY NOTICE: your account is locked.{sep}Call 555 0100 now"


FORM_ONE_LINE = "Pat SECURITY NOTICE: your account is locked. Call 555 0100 now"


def stored_name(address: str) -> str:
    with session():
        return Customer.get(Customer.email == address).name


def hrefs(markup: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', markup)


def paragraphs(markup: str) -> list[str]:
    """The paragraphs of the email's text, as the HTML part has them (markup and all)."""
    return re.findall(r'<p style="margin:0 0 14px 0;">(.*?)</p>', markup, re.S)


def assert_greeting_is_one_plain_line(mail, name: str = ONE_LINE) -> None:
    """The name is on the greeting's one line in both parts, and the attacker's URL is no link."""
    text, markup = text_part(mail), html_part(mail)
    assert f"Hello {name}," in text.splitlines()  # (splitlines splits at every kind of line break)
    assert paragraphs(markup)[0] == html.escape(f"Hello {name},", quote=False)
    assert not [h for h in hrefs(markup) if "evil.example" in h], hrefs(markup)
    assert "evil.example" not in "".join(re.findall(r"<a [^>]*>(.*?)</a>", markup))


@pytest.mark.parametrize("sep", SEPARATORS.values(), ids=SEPARATORS.keys())
def test_a_name_typed_on_the_sign_up_link_page_is_one_line(site, sep):
    page = site.sign_up(site.new_link(), "pat@example.com", name=form_phishing_name(sep))
    assert page.status == 200

    assert stored_name("pat@example.com") == FORM_ONE_LINE
    mail = site.only_mail_to("pat@example.com")  # sent at once, without an admin seeing it
    assert_greeting_is_one_plain_line(mail, FORM_ONE_LINE)
    link = link_in(mail)
    assert f'<a href="{link}">{link}</a>' in html_part(mail)  # the real link is still a link
    assert link in hrefs(html_part(mail))


@pytest.mark.parametrize("where", ["sign-up link", "sign-up page"])
@pytest.mark.parametrize("typed", [phishing_name("\n"), "Pat (see www.evil.example)", "Pat evil.com/verify"])
def test_a_public_form_refuses_a_name_with_a_web_address_and_sends_nothing(site, where, typed):
    """Mail programs make a bare address in the plain-text part a link by themselves."""
    form = site.new_link() if where == "sign-up link" else site.signup_page()
    page = site.sign_up(form, "pat@example.com", name=typed)
    assert page.status == 422
    assert "Please give just your name, without a web address." in page.body
    with session():
        assert Customer.get_or_none(Customer.email == "pat@example.com") is None  # nobody to email
        assert OutboxEmail.select().count() == 0


def test_the_name_set_on_the_password_page_is_one_line_too(site):
    site.sign_up(site.new_link(), "pat@example.com", name="Pat")
    link = link_in(site.only_mail_to("pat@example.com"))

    page = site.set_password(link, name=phishing_name("\u2029"))

    assert page.title == "You are enrolled"
    assert stored_name("pat@example.com") == ONE_LINE


@pytest.mark.parametrize("sep", ["\n", "\u2028", "\x85"], ids=["lf", "line-separator", "next-line"])
def test_the_polite_denial_of_a_self_sign_up_carries_the_name_on_one_line_without_a_link(site, sep):
    page = site.sign_up(site.signup_page(), "ray@example.com", name=form_phishing_name(sep), account=f"A-7{sep}B")
    assert page.status == 200
    with session():
        customer = Customer.get(Customer.email == "ray@example.com")
        assert (customer.name, customer.account_number) == (FORM_ONE_LINE, "A-7 B")
    site.announce()
    request = site.approval_request("ray@example.com")
    site.click(ADMIN, ids.DENY, buttons(request)[ids.DENY], channel="D0ADMIN", ts="300.1")
    _, answer = site.submit_view(ADMIN, site.last_view(ids.DENY_MODAL), {ids.REASON: "Not one of ours"})
    assert not answer
    site.settle()

    mail = site.only_mail_to("ray@example.com")
    assert mail["Subject"].startswith("Your request for the")
    assert_greeting_is_one_plain_line(mail, FORM_ONE_LINE)
    assert hrefs(html_part(mail)) == []  # this email has no link of its own


def test_the_invite_command_stores_one_line_name_account_and_job(site):
    with session():
        outcome = invitations.invite(ADMIN_ACTOR, "pat@example.com", name=phishing_name("\r\n"),
                                     account="A-1\u2028evil", job="J-9\n\nhttps://evil.example")
        customer = Customer.get_by_id(outcome.customer.id)
        assert (customer.name, customer.account_number) == (ONE_LINE, "A-1 evil")
        assert Invitation.get_by_id(outcome.invitation.id).job_ref == "J-9 https://evil.example"

    mail = site.only_mail_to("pat@example.com")
    assert_greeting_is_one_plain_line(mail)
    link = link_in(mail)
    assert f'<a href="{link}">{link}</a>' in html_part(mail)


def test_a_name_typed_in_the_invite_modal_is_one_line(site):
    view = site.open_modal(ADMIN, "", ids.INVITE_MODAL)
    _, answer = site.submit_view(ADMIN, view, {ids.EMAIL: "pat@example.com", ids.NAME: phishing_name("\u2028"),
                                               ids.SEND_NOW: ["yes"]})
    assert not answer
    site.settle()

    assert stored_name("pat@example.com") == ONE_LINE
    assert_greeting_is_one_plain_line(site.only_mail_to("pat@example.com"))


@pytest.mark.parametrize("columns", ["first-and-last", "full-name"])
def test_names_from_a_csv_import_are_one_line_in_the_database_and_the_emails(site, tmp_path, columns):
    if columns == "first-and-last":
        header = ["Account Number", "Customer Email", "Customer First Name", "Customer Last Name"]
        rows = [["A-1\n", "pat@example.com", "Pat\r\n\r\nSECURITY NOTICE: your account is locked.",
                 f"\u2029Verify now at {EVIL}"],
                ["A-2", "kim@example.com", "Kim\x85\x85Verify", f"at\u2028{EVIL}"]]
        kim = f"Kim Verify at {EVIL}"
    else:
        header = ["Account Number", "Customer Email", "Full Name"]
        rows = [["A-1", "pat@example.com", phishing_name("\n")], ["A-2", "kim@example.com", f"Kim\u2028\u2028{EVIL}"]]
        kim = f"Kim {EVIL}"
    path = write_csv(tmp_path / "customers.csv", rows, header=header)

    with session():
        upload = bulk.import_csv(ADMIN_ACTOR, path, send=True)
        assert (upload.succeeded, upload.failed) == (2, 0)
        assert Customer.get(Customer.email == "pat@example.com").account_number == "A-1"

    assert stored_name("pat@example.com") == ONE_LINE
    assert stored_name("kim@example.com") == kim
    for address, name in (("pat@example.com", ONE_LINE), ("kim@example.com", kim)):
        mail = site.only_mail_to(address)
        assert_greeting_is_one_plain_line(mail, name)
        link = link_in(mail)
        assert f'<a href="{link}">{link}</a>' in html_part(mail)


def test_one_line_fields_lose_every_kind_of_break_and_control_but_notes_keep_plain_newlines():
    for sep in SEPARATORS.values():
        assert inputs.text(phishing_name(sep), what="name", limit=100) == ONE_LINE
    assert inputs.one_line(" Zoe\u0308\u00a0\u202eO'Neil\t ") == "Zo\u00eb O'Neil"  # NFC; no bidi override
    assert inputs.text("On hold.\r\nCall us\u2028today\x00.", what="note", limit=500,
                       multiline=True) == "On hold.\nCall us\ntoday."


# --- The HTML part on its own: only the system's links become links ---------------------------------

PUBLIC = "https://portal.example.com"


def _render(customer_name: str, kind: str = "invitation", custom=None) -> emails.RenderedEmail:
    context = {"customer_name": customer_name, "customer_email": "pat@example.com", "inviter_name": "Sam",
               "workspace_name": "Acme", "link_path": "/i/TOKEN123", "expires_at": "2030-01-01 09:00 UTC",
               "expiry_days": 7}
    return emails.render(kind, context, PUBLIC, custom=custom)


def test_a_name_stored_before_the_fix_still_gets_no_link_and_stays_escaped():
    rendered = _render(f"Pat\n\n<b>NOTICE</b> {EVIL}?x=1&y=2")

    assert hrefs(rendered.html) == [f"{PUBLIC}/i/TOKEN123", f"{PUBLIC}/i/TOKEN123"]  # text link, button
    assert f"{html.escape(EVIL)}?x=1&amp;y=2" in rendered.html and "<b>" not in rendered.html


@pytest.mark.parametrize("lookalike", [f"{PUBLIC}/i/TOKEN123.evil.example/x", f"{PUBLIC}/login@evil.example",
                                       f"{PUBLIC}/i/TOKEN12"])
def test_a_name_that_only_starts_like_a_real_link_is_not_linked(lookalike):
    rendered = _render(lookalike)

    assert hrefs(rendered.html) == [f"{PUBLIC}/i/TOKEN123", f"{PUBLIC}/i/TOKEN123"]
    assert paragraphs(rendered.html)[0] == html.escape(f"Hello {lookalike},", quote=False)


def test_urls_an_admin_writes_into_a_template_are_still_links_but_not_ones_in_a_name():
    class Custom:
        subject = "Welcome"
        body = ("Hello {{ customer_name }},\n\nRead https://acme.example/help first.\n\n{{ link }}\n\n"
                "Log in later at {{ login_url }}.")

    rendered = _render(EVIL, custom=Custom)

    assert hrefs(rendered.html) == ["https://acme.example/help", f"{PUBLIC}/i/TOKEN123", f"{PUBLIC}/login",
                                    f"{PUBLIC}/i/TOKEN123"]
    assert f'<a href="{PUBLIC}/login">{PUBLIC}/login</a>.' in rendered.html  # the full stop is not linked
