"""R14, seed 000: the shareable sign-up link, end to end — `/invite link` in Slack (through the
stand-in), the /join/ page over HTTP, the emails through the SMTP sink, the portal login.

Design decision: a sign-up through the link is enrolled at once *after confirming the email*. The
page always answers "check your email"; the email carries a single-use link to choose the password.
That verifies the address and keeps the page from revealing who already has an account."""
from __future__ import annotations

import datetime as dt
import json
import re

from bot.browser import Browser
from bot.slack import ids
from commands.clock import clock

from signup.conftest import (ADMIN, AGENT, BRAND, OTHER_BRAND, OTHER_TEAM, buttons, link_in, text_part,
                             visible_text)


def _shown_expiry(text: str) -> dt.datetime:
    return dt.datetime.strptime(re.search(r"valid until (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", text).group(1),
                                "%Y-%m-%d %H:%M")


def _near(shown: dt.datetime, expected: dt.datetime) -> bool:
    return abs(shown - expected) <= dt.timedelta(minutes=1)


def test_an_admin_gets_a_link_valid_seven_days_with_its_use_count_and_copy_new_and_disable(site):
    reply = site.command(ADMIN, "link")
    text = visible_text(reply)
    assert "New sign-up link" in text
    assert _near(_shown_expiry(text), clock.now() + dt.timedelta(days=7))
    assert re.search(r"```http://127\.0\.0\.1:\d+/join/[A-Za-z0-9_-]{43}```", text)  # a code block to copy
    assert "get their account as soon as they confirm their email" in text
    assert set(buttons(reply)) == {ids.LINK_NEW, ids.LINK_DISABLE}

    again = visible_text(site.command(ADMIN, "link"))
    assert "The sign-up link is active" in again and "used 0 time(s)" in again
    assert "/join/" not in again  # the token is stored only as a hash: shown once, when made


def test_an_agent_asking_for_the_link_is_refused_and_told_which_admins_to_ask(site):
    reply = visible_text(site.command(AGENT, "link"))
    assert "Only team admins can share sign-up links" in reply and "Ada Admin" in reply
    assert "/join/" not in reply


def test_the_link_opens_a_branded_sign_up_page(site):
    page = Browser().get(site.new_link())
    assert page.status == 200
    assert page.title == f"Join {BRAND}"
    assert f"<title>Join {BRAND} · {BRAND}</title>" in page.body
    assert re.search(r'href="/brand/\d+\.css"', page.body)
    assert f"Sign up for {BRAND}'s customer portal. We will email you a link to choose your password." in page.text
    assert {"csrf_token", "form_token"} <= set(page.hidden_fields)
    for field in ('name="name"', 'name="email"', 'name="account"'):
        assert field in page.body


def test_signing_up_through_the_link_enrols_the_person_once_they_confirm_their_email(site):
    join = site.new_link()
    page = site.sign_up(join, "jo@example.com", name="Jo New", account="A-100")
    assert (page.status, page.title) == (200, "Thank you — check your email")
    assert site.log_in("jo@example.com").status == 401  # no account until the address is confirmed

    mail = site.only_mail_to("jo@example.com")
    assert mail["Subject"] == f"Finish signing up to the {BRAND} customer portal"
    assert "Choose your password here to finish" in text_part(mail)
    link = link_in(mail)
    enrolled = site.set_password(link)
    assert (enrolled.status, enrolled.title) == (200, "You are enrolled")
    assert f"Your account with {BRAND} is ready" in enrolled.text

    signed_in = site.log_in("jo@example.com")
    assert signed_in.status == 200 and BRAND in signed_in.text
    assert Browser().get(link).status == 410  # the confirmation link works once
    status = visible_text(site.command(ADMIN, "status jo@example.com"))
    assert "*Enrolled*" in status and "Role: member of account A-100" in status  # never admin (issue 11)
    assert "used 1 time(s)" in visible_text(site.command(ADMIN, "link"))


def test_every_sign_up_through_the_link_is_counted_and_a_refused_form_is_not(site):
    join = site.new_link()
    for address in ("a@example.com", "b@example.com", "a@example.com"):
        assert site.sign_up(join, address).status == 200
    refused = site.sign_up(join, "not-an-address")
    assert refused.status == 422 and "not a valid email address" in refused.text
    assert "used 3 time(s)" in visible_text(site.command(ADMIN, "link"))


def test_when_the_workspace_says_so_link_sign_ups_wait_for_an_admin_and_approval_sends_the_confirmation(site):
    site.change_settings(flags_on=["signup_link_approval"])
    made = site.click(ADMIN, ids.LINK_NEW, buttons(site.command(ADMIN, "link"))[ids.LINK_NEW])
    assert "Sign-ups through it wait for an admin's approval" in visible_text(made)
    join = re.search(r"(http://\S+?/join/[A-Za-z0-9_-]+)", json.dumps(made)).group(1)

    assert site.sign_up(join, "kim@example.com", name="Kim Field").title == "Thank you — check your email"
    site.deliver()
    assert site.mails_to("kim@example.com") == []  # nothing until an admin approves
    assert "*Requested*" in visible_text(site.command(ADMIN, "status kim@example.com"))

    assert site.announce() == 1
    request = site.approval_request("kim@example.com")
    assert request["channel"] == ADMIN  # no approval channel set: the admins are asked by DM
    assert "Kim Field (sign-up link) asks for access to the portal" in visible_text(request)
    site.click(ADMIN, ids.APPROVE, buttons(request)[ids.APPROVE], channel="D0ADMIN", ts="100.1")
    decided = site.slack.calls_to("chat.update")[-1].args
    assert "Approved by <@U0ADMIN>" in visible_text(decided) and ids.APPROVE not in buttons(decided)

    mail = site.only_mail_to("kim@example.com")
    assert mail["Subject"] == f"Finish signing up to the {BRAND} customer portal"
    assert site.set_password(link_in(mail), name="Kim Field").title == "You are enrolled"
    assert site.log_in("kim@example.com").status == 200


def test_signing_up_with_an_address_that_has_an_open_invitation_points_to_that_invitation(site):
    """Seed 000's loop: the person invited by Slack also tries the link. No second invitation, and the
    admin's link keeps working (issue 11: an anonymous form never replaces it); they are reminded of it."""
    assert "Invitation sent to pat@example.com" in visible_text(site.command(ADMIN, "pat@example.com Pat Doe"))
    first = site.only_mail_to("pat@example.com")
    assert first["Subject"] == f"{BRAND} invited you to its customer portal"

    assert site.sign_up(site.new_link(), "Pat@Example.com", name="Pat Doe").title == "Thank you — check your email"
    second = site.only_mail_to("pat@example.com")
    assert second["Subject"] == f"You already have an invitation from {BRAND}"
    assert "open the link in that email" in text_part(second) and "/i/" not in text_part(second)
    assert Browser().get(link_in(first)).title == "Set up your account"

    listed = visible_text(site.command(ADMIN, "list"))
    assert listed.count("pat@example.com") == 1
    assert site.set_password(link_in(first), name="Pat Doe").title == "You are enrolled"
    assert "already enrolled" in visible_text(site.command(ADMIN, "pat@example.com"))


def test_an_expired_link_shows_a_clear_page_and_accepts_nothing(site):
    join = site.new_link()
    person = Browser()
    form = person.get(join)  # the form opened just before the link expired
    clock.advance(days=7, minutes=1)
    page = Browser().get(join)
    assert (page.status, page.title) == (410, "This sign-up link has expired")
    assert "Ask the team that shared it for a new link." in page.text
    late = person.post(join, {**form.hidden_fields, "name": "Late", "email": "late@example.com"})
    assert (late.status, late.title) == (410, "This sign-up link has expired")
    site.deliver()
    assert site.mails_to("late@example.com") == []
    assert "The sign-up link is expired" in visible_text(site.command(ADMIN, "link"))


def test_the_sign_up_link_days_setting_sets_how_long_a_new_link_works(site):
    site.change_settings(signup_link_days="2")
    reply = site.click(ADMIN, ids.LINK_NEW, buttons(site.command(ADMIN, "link"))[ids.LINK_NEW])
    assert _near(_shown_expiry(visible_text(reply)), clock.now() + dt.timedelta(days=2))
    join = re.search(r"(http://\S+?/join/[A-Za-z0-9_-]+)", json.dumps(reply)).group(1)
    clock.advance(days=1, hours=23)
    assert Browser().get(join).status == 200
    clock.advance(hours=1, minutes=1)
    assert Browser().get(join).title == "This sign-up link has expired"


def test_a_disabled_link_stops_working_and_a_new_one_can_be_made_at_once(site):
    old = site.new_link()
    person = Browser()
    form = person.get(old)  # someone has the form open when the admin disables the link
    reply = site.command(ADMIN, "link")
    disabled = site.click(ADMIN, ids.LINK_DISABLE, buttons(reply)[ids.LINK_DISABLE])
    assert disabled["text"] == "The sign-up link is disabled; it no longer works."
    page = Browser().get(old)
    assert (page.status, page.title) == (410, "This sign-up link is no longer active")
    sent = person.post(old, {**form.hidden_fields, "name": "X", "email": "x@example.com"})
    assert (sent.status, sent.title) == (410, "This sign-up link is no longer active")

    status = site.command(ADMIN, "link")
    assert "The sign-up link is disabled" in visible_text(status)
    assert set(buttons(status)) == {ids.LINK_NEW}  # nothing left to disable
    new = site.new_link()
    assert new != old and Browser().get(new).status == 200
    assert site.sign_up(new, "x@example.com").title == "Thank you — check your email"
    assert Browser().get(old).status == 410


def test_making_a_new_link_retires_the_previous_one(site):
    old = site.new_link()
    reply = site.click(ADMIN, ids.LINK_NEW, buttons(site.command(ADMIN, "link"))[ids.LINK_NEW])
    new = re.search(r"(http://\S+?/join/[A-Za-z0-9_-]+)", json.dumps(reply)).group(1)
    assert Browser().get(old).title == "This sign-up link is no longer active"
    assert Browser().get(new).title == f"Join {BRAND}"


def test_unknown_or_mangled_links_get_one_plain_page_that_names_no_workspace(site):
    real = site.new_link()
    site.new_link(team=OTHER_TEAM)
    token = real.rsplit("/", 1)[1]
    bases = real.rsplit("/", 1)[0]
    pages = [Browser().get(f"{bases}/{bad}") for bad in
             ("A" * 43, token[:-1], token + "x", token[:-1] + ("A" if token[-1] != "A" else "B"), "%3Cscript%3E")]
    for page in pages:
        assert (page.status, page.title) == (410, "This sign-up link is not valid")
        assert BRAND not in page.body and OTHER_BRAND not in page.body
        assert "/brand/" not in page.body
    assert len({p.body for p in pages}) == 1  # nothing in the answer depends on what was typed
    guesser = Browser()
    csrf = guesser.get(f"{site.url}/login").csrf_token  # a valid session, posting to a guessed token
    posted = guesser.post(f"{bases}/{'A' * 43}", {"csrf_token": csrf, "name": "X", "email": "x@example.com"})
    assert (posted.status, posted.body) == (410, pages[0].body)


def test_an_expired_or_disabled_link_shows_only_its_own_workspace(site):
    acme = site.new_link()
    site.new_link(team=OTHER_TEAM)
    clock.advance(days=8)
    page = Browser().get(acme)
    assert page.title == "This sign-up link has expired"
    assert OTHER_BRAND not in page.body


def test_a_link_signs_people_up_only_to_the_workspace_that_shared_it(site):
    borealis = site.new_link(team=OTHER_TEAM)
    assert Browser().get(borealis).title == f"Join {OTHER_BRAND}"
    site.sign_up(borealis, "lee@example.com", name="Lee")
    mail = site.only_mail_to("lee@example.com")
    assert mail["Subject"] == f"Finish signing up to the {OTHER_BRAND} customer portal"
    assert BRAND not in text_part(mail)
    assert "There is no invitation for lee@example.com" in visible_text(site.command(ADMIN, "status lee@example.com"))
    assert "lee@example.com" in visible_text(site.command(ADMIN, "status lee@example.com", team=OTHER_TEAM))
