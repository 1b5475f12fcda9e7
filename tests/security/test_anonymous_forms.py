"""Issue 11, findings 7 and 8: what anyone on the internet can do with the public sign-up forms
(/join/<token>, the shared link, and /signup/<slug>, the self sign-up page), over real HTTP into the
running app, with the emails caught by the real SMTP sink.

- An address gets at most one email an hour from the forms, whatever the email would have said, and
  the page reads the same either way (no enumeration).
- The forms never replace a link an admin sent: the customer gets one reminder of it instead.
- A form token works only in the browser session that loaded the form, and only once.
- Naming an account on a form never makes anyone its admin."""
from __future__ import annotations

import time

import pytest

from bot.browser import Browser
from bot.config import Config
from bot.localslack import LocalSlack
from bot.slack import ids
from commands import signup
from commands.clock import clock

from conftest import TEAM, deliver
from reliability.conftest import serving, shared_db  # noqa: F401 (a fixture)
from signup.conftest import (ADMIN, BRAND, PASSWORD, buttons, link_in, site,  # noqa: F401 (a fixture)
                             text_part, visible_text, without_tokens)
from support import branded_workspace, invite_and_enrol

RECEIVED = "Thank you — check your email"
REFUSED = "The form could not be accepted: please check your details and send it again."
ALREADY_ENROLLED = f"You already have a {BRAND} portal account"
ALREADY_INVITED = f"You already have an invitation from {BRAND}"
FORMS = ["join", "signup"]


def _form_urls(site) -> dict[str, str]:
    return {"join": site.new_link(), "signup": site.signup_page()}


def _invited_by_admin(site, email: str) -> str:
    """An admin invites `email` from Slack; the link in the invitation email."""
    assert f"Invitation sent to {email}" in visible_text(site.command(ADMIN, f"{email} Pat Doe"))
    return link_in(site.only_mail_to(email))


def _enrolled_by_admin(site, email: str) -> None:
    assert site.set_password(_invited_by_admin(site, email), name="Pat Doe").title == "You are enrolled"


def _subjects(site, email: str) -> list[str]:
    site.deliver()
    return [m["Subject"] for m in site.mails_to(email)]


# --- finding 7: one email per address per hour -----------------------------------------------------

@pytest.mark.parametrize("forms", [("signup",) * 3, ("join",) * 3, ("signup", "join", "signup")],
                         ids=["self sign-up page", "shared link", "both forms"])
def test_three_sign_ups_for_an_enrolled_address_send_one_email_and_read_the_same(site, forms):
    _enrolled_by_admin(site, "pat@example.com")
    urls = _form_urls(site)
    answers = [site.sign_up(urls[form], "pat@example.com", name="Someone") for form in forms]
    for n, (form, answer) in enumerate(zip(forms, answers)):
        stranger = site.sign_up(urls[form], f"new-{n}@example.com", name="Someone")
        assert (answer.status, answer.title) == (200, RECEIVED)
        assert without_tokens(answer.body) == without_tokens(stranger.body)  # nothing tells them apart
    assert _subjects(site, "pat@example.com") == [ALREADY_ENROLLED]


def test_an_hour_later_the_forms_may_email_the_address_again(site):
    _enrolled_by_admin(site, "pat@example.com")
    url = site.signup_page()
    site.sign_up(url, "pat@example.com")
    clock.advance(minutes=59)
    site.sign_up(url, "pat@example.com")
    assert _subjects(site, "pat@example.com") == [ALREADY_ENROLLED]
    clock.advance(minutes=2)
    site.sign_up(url, "pat@example.com")
    assert _subjects(site, "pat@example.com") == [ALREADY_ENROLLED, ALREADY_ENROLLED]


def test_a_new_address_signed_up_again_and_again_through_the_link_gets_one_email(site):
    join = site.new_link()
    for _ in range(3):
        assert site.sign_up(join, "jo@example.com").title == RECEIVED
    site.deliver()
    mails = site.mails_to("jo@example.com")
    assert [m["Subject"] for m in mails] == [f"Finish signing up to the {BRAND} customer portal"]
    assert site.set_password(link_in(mails[0])).title == "You are enrolled"  # and its link still works


def test_the_limit_holds_across_worker_processes_and_a_restart(shared_db, smtp, admin, tmp_path):
    """`invitebot serve` with two workers, stopped and started again, on one database: three sign-ups
    to each, and still one email."""
    branded_workspace()
    invite_and_enrol(admin, "pat@example.com")
    path = signup.link_status(admin).signup_path
    config = Config.from_env({"DATABASE_URL": shared_db, "SMTP_URL": smtp.url, "SLACK_SIGNING_SECRET": "x"})
    deliver(config)  # the invitation pat accepted
    with smtp.lock:
        smtp.messages.clear()
    with LocalSlack(TEAM) as slack:
        for run in (1, 2):
            with serving(shared_db, slack, tmp_path / f"serve{run}.log", workers=2) as served:
                people = [Browser() for _ in range(3)]
                forms = [person.get(served.url + path).hidden_fields for person in people]
                time.sleep(2.2)  # the shipped SIGNUP_MIN_SECONDS: a person takes longer than that
                for person, form in zip(people, forms):
                    answer = person.post(served.url + path, {**form, "name": "Someone", "email": "pat@example.com"})
                    assert answer.title == RECEIVED
    deliver(config)
    assert [m["Subject"] for m in smtp.messages] == [ALREADY_ENROLLED]


@pytest.mark.parametrize("form", FORMS)
def test_sign_ups_for_someone_an_admin_invited_keep_the_admins_link_working_and_remind_them_once(site, form):
    link = _invited_by_admin(site, "pat@example.com")
    invited_on = f"{clock.now():%Y-%m-%d}"
    url = _form_urls(site)[form]
    for _ in range(2):
        assert site.sign_up(url, "Pat@Example.com", name="Someone").title == RECEIVED
    assert _subjects(site, "pat@example.com") == [ALREADY_INVITED]
    reminder = text_part(site.mails_to("pat@example.com")[0])
    assert f"{BRAND} emailed it to you on {invited_on}" in reminder
    assert "open the link in that email" in reminder and "signing up again does not make a new one" in reminder
    assert "/i/" not in reminder  # the link exists only in the admin's email
    assert "reminded: someone used a sign-up form with this address" in visible_text(
        site.command(ADMIN, "status pat@example.com"))  # the team sees it in the history

    clock.advance(hours=2)  # past the hourly limit: still no second reminder of the same invitation
    site.sign_up(url, "pat@example.com", name="Someone")
    assert _subjects(site, "pat@example.com") == [ALREADY_INVITED]

    page = Browser().get(link)
    assert (page.status, page.title) == (200, "Set up your account")
    assert site.set_password(link, name="Pat Doe").title == "You are enrolled"
    assert site.log_in("pat@example.com").status == 200


# --- finding 7: the form token is bound to the session that loaded the form -------------------------

@pytest.mark.parametrize("form", FORMS)
def test_a_form_token_from_one_browser_session_is_refused_in_another(site, form):
    url = _form_urls(site)[form]
    harvested = Browser().get(url).hidden_fields["form_token"]
    person = Browser()
    own = person.get(url).hidden_fields
    refused = person.post(url, {**own, "form_token": harvested, "name": "Kim", "email": "kim@example.com"})
    assert refused.status == 400 and REFUSED in refused.text
    assert refused.hidden_fields["form_token"]  # a fresh token to send it again
    assert _subjects(site, "kim@example.com") == [] and site.announce() == 0
    accepted = person.post(url, {**own, "name": "Kim", "email": "kim@example.com"})
    assert accepted.title == RECEIVED  # the token this session was given works


@pytest.mark.parametrize("form", FORMS)
def test_a_form_token_works_once(site, form):
    url = _form_urls(site)[form]
    person = Browser()
    loaded = person.get(url).hidden_fields
    assert person.post(url, {**loaded, "name": "Kim", "email": "kim@example.com"}).title == RECEIVED
    replayed = person.post(url, {**loaded, "name": "Lee", "email": "lee@example.com"})
    assert replayed.status == 400 and REFUSED in replayed.text
    assert _subjects(site, "lee@example.com") == []
    assert site.announce() == (1 if form == "signup" else 0)  # Kim's request only


# --- finding 8: naming an account never makes its admin ---------------------------------------------

def test_a_sign_up_through_the_link_naming_an_account_without_an_admin_makes_a_member(site):
    site.sign_up(site.new_link(), "jo@example.com", name="Jo New", account="A-500")
    assert site.set_password(link_in(site.only_mail_to("jo@example.com"))).title == "You are enrolled"
    assert "Role: member of account A-500" in site.log_in("jo@example.com").text
    assert "Role: member of account A-500" in visible_text(site.command(ADMIN, "status jo@example.com"))


def test_an_approved_self_sign_up_naming_an_account_without_an_admin_is_a_member(site):
    site.sign_up(site.signup_page(), "kim@example.com", name="Kim Self", account="A-7")
    assert site.announce() == 1
    request = site.approval_request("kim@example.com")
    site.click(ADMIN, ids.APPROVE, buttons(request)[ids.APPROVE], channel="D0ADMIN", ts="200.1")
    assert site.set_password(link_in(site.only_mail_to("kim@example.com")), name="Kim Self").title \
        == "You are enrolled"
    assert "Role: member of account A-7" in site.log_in("kim@example.com", PASSWORD).text


def test_the_first_invitation_an_admin_sends_for_an_account_still_makes_its_admin(site):
    assert "Invitation sent" in visible_text(site.command(ADMIN, "boss@example.com Bo Boss account:A-500"))
    site.sign_up(site.new_link(), "jo@example.com", name="Jo New", account="A-500")
    assert "Role: account admin of account A-500" in visible_text(site.command(ADMIN, "status boss@example.com"))
    assert "Role: member of account A-500" in visible_text(site.command(ADMIN, "status jo@example.com"))
