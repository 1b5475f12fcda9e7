"""R15, seed 000: the public self sign-up page. Each request is posted to the admins with Approve /
Deny; approval emails a confirmation with a link to choose the password; denial can email a polite
notice. Spam control: the honeypot field, the time-based form token, per-IP rate limits."""
from __future__ import annotations

from bot.browser import Browser
from bot.slack import ids
from commands.clock import clock

from signup.conftest import ADMIN, BRAND, buttons, link_in, text_part, visible_text, without_tokens

RECEIVED = "Thank you — check your email"


def test_the_public_page_is_branded_and_says_requests_are_reviewed(site):
    page = Browser().get(site.signup_page())
    assert (page.status, page.title) == (200, "Request access")
    assert f"<title>Request access · {BRAND}</title>" in page.body
    assert f"Ask for access to {BRAND}'s customer portal. A team member reviews each request" in page.text
    assert 'name="website"' in page.body and 'class="hp"' in page.body  # the honeypot, hidden from people


def test_a_request_goes_to_the_admins_and_approval_emails_a_link_to_choose_a_password(site):
    page = site.sign_up(site.signup_page(), "kim@example.com", name="Kim Self", account="A-7")
    assert (page.status, page.title) == (200, RECEIVED)
    site.deliver()
    assert site.mails_to("kim@example.com") == []

    assert site.announce() == 1
    assert site.announce() == 0  # posted once, however often the job runs
    request = site.approval_request("kim@example.com")
    shown = visible_text(request)
    assert "Kim Self (sign-up page) asks for access to the portal" in shown
    assert "Name: Kim Self" in shown and "Account: A-7" in shown
    assert set(buttons(request)) == {ids.APPROVE, ids.DENY}

    site.click(ADMIN, ids.APPROVE, buttons(request)[ids.APPROVE], channel="D0ADMIN", ts="200.1")
    decided = site.slack.calls_to("chat.update")[-1].args
    assert "Approved by <@U0ADMIN>" in visible_text(decided)
    assert site.dms_to("signup") == []  # the person who signed up is told by email, not in Slack

    mail = site.only_mail_to("kim@example.com")
    assert mail["Subject"] == f"Finish signing up to the {BRAND} customer portal"
    assert f"Your sign-up for the {BRAND} customer portal is confirmed" in text_part(mail)
    assert site.set_password(link_in(mail), name="Kim Self").title == "You are enrolled"
    signed_in = site.log_in("kim@example.com")
    assert signed_in.status == 200 and "Role: member of account A-7" in signed_in.text  # never admin (issue 11)


def test_requests_go_to_the_approval_channel_when_one_is_set(site):
    site.change_settings(approval_channel="C0APPROVALS")
    site.sign_up(site.signup_page(), "kim@example.com", name="Kim Self")
    assert site.announce() == 1
    assert site.approval_request("kim@example.com")["channel"] == "C0APPROVALS"


def test_a_denied_request_gets_a_polite_email_when_the_workspace_sends_one(site):
    site.change_settings(support_email="help@acme.example")
    site.sign_up(site.signup_page(), "ray@example.com", name="Ray")
    site.announce()
    request = site.approval_request("ray@example.com")
    site.click(ADMIN, ids.DENY, buttons(request)[ids.DENY], channel="D0ADMIN", ts="300.1")
    modal = site.last_view(ids.DENY_MODAL)
    assert "ray@example.com" in visible_text(modal)
    _, answer = site.submit_view(ADMIN, modal, {ids.REASON: "Not one of our customers"})
    assert not answer
    site.settle()
    assert "Denied by <@U0ADMIN>" in visible_text(site.slack.calls_to("chat.update")[-1].args)

    mail = site.only_mail_to("ray@example.com")
    assert mail["Subject"] == f"Your request for the {BRAND} customer portal"
    text = text_part(mail)
    assert "Thank you for your interest" in text and "We are not able to give you access at this time." in text
    assert "write to help@acme.example" in text
    assert "Not one of our customers" not in text  # the reason stays with the team
    assert "/i/" not in text


def test_a_denied_request_gets_no_email_when_the_setting_is_off(site):
    site.change_settings(flags_off=["denial_email"])
    site.sign_up(site.signup_page(), "ray@example.com", name="Ray")
    site.announce()
    site.click(ADMIN, ids.DENY, buttons(site.approval_request("ray@example.com"))[ids.DENY],
               channel="D0ADMIN", ts="300.1")
    _, answer = site.submit_view(ADMIN, site.last_view(ids.DENY_MODAL), {ids.REASON: ""})
    assert not answer
    site.settle()
    assert "Denied by <@U0ADMIN>" in visible_text(site.slack.calls_to("chat.update")[-1].args)
    site.deliver()
    assert site.mails_to("ray@example.com") == []


def test_turning_self_sign_up_off_closes_the_page_exactly_like_an_unknown_address(site):
    page_url = site.signup_page()
    person = Browser()
    form = person.get(page_url)
    site.change_settings(flags_off=["self_signup"])
    closed = Browser().get(page_url)
    unknown = Browser().get(page_url.rsplit("/", 1)[0] + "/no-such-team")
    assert (closed.status, closed.title) == (410, "Sign-up is not available here")
    assert closed.body == unknown.body
    assert BRAND not in closed.body
    late = person.post(page_url, {**form.hidden_fields, "name": "Late", "email": "late@example.com"})
    assert (late.status, late.body) == (410, unknown.body)
    assert site.announce() == 0
    assert "/signup/" not in visible_text(site.command(ADMIN, "link"))


def test_the_honeypot_gets_the_usual_answer_but_nothing_is_recorded_or_sent(site):
    page_url = site.signup_page()
    bot = site.sign_up(page_url, "bot@example.com", name="Bot", website="http://spam.example")
    person = site.sign_up(page_url, "kim@example.com", name="Kim")
    assert (bot.status, without_tokens(bot.body)) == (person.status, without_tokens(person.body))
    assert site.announce() == 1
    assert "bot@example.com" not in str([c.args for c in site.slack.calls_to("chat.postMessage")])
    site.deliver()
    assert site.mails_to("bot@example.com") == []
    assert "There is no invitation for bot@example.com" in visible_text(site.command(ADMIN, "status bot@example.com"))


def test_a_form_without_a_valid_form_token_is_shown_again_and_nothing_is_recorded(site):
    page_url = site.signup_page()
    for forged in ("", "form.Zm9v.bm90LXNpZ25lZA", "x" * 60):
        person = Browser()
        form = person.get(page_url)
        refused = person.post(page_url, {**form.hidden_fields, "form_token": forged,
                                         "name": "Kim", "email": "kim@example.com"})
        assert refused.status == 400
        assert "The form could not be accepted: please check your details and send it again." in refused.text
        assert 'value="kim@example.com"' in refused.body  # what they typed is kept
        assert refused.hidden_fields["form_token"]  # with a fresh token to send it again
    assert site.announce() == 0


def test_a_form_kept_open_longer_than_two_hours_must_be_reloaded(site):
    page_url = site.signup_page()
    person = Browser()
    form = person.get(page_url)
    clock.advance(hours=2, minutes=1)
    refused = person.post(page_url, {**form.hidden_fields, "name": "Kim", "email": "kim@example.com"})
    assert refused.status == 400 and "The form could not be accepted" in refused.text
    assert site.announce() == 0


def test_a_form_posted_without_its_csrf_token_is_refused(site):
    refused = Browser().post(site.signup_page(), {"name": "Kim", "email": "kim@example.com"})
    assert (refused.status, refused.title) == (400, "This form has expired")
    assert site.announce() == 0


def test_bad_details_are_named_and_the_form_comes_back_with_what_was_typed(site):
    page_url = site.signup_page()
    bad_email = site.sign_up(page_url, "kim@@example", name="Kim")
    assert bad_email.status == 422 and "is not a valid email address" in bad_email.text
    assert 'value="Kim"' in bad_email.body
    long_name = site.sign_up(page_url, "kim@example.com", name="K" * 101)
    assert long_name.status == 422 and "too long" in long_name.text
    assert site.announce() == 0


def test_with_the_shipped_defaults_a_form_sent_back_faster_than_a_person_types_is_refused(make_site):
    with make_site() as site:
        page_url = site.signup_page()
        person = Browser()
        form = person.get(page_url)
        at_once = person.post(page_url, {**form.hidden_fields, "name": "Kim", "email": "kim@example.com"})
        assert at_once.status == 400
        assert "The form could not be accepted: please check your details and send it again." in at_once.text
        assert site.announce() == 0


# BUG in bot/web.py (the lead's file; reported, not edited): create_app wraps signup_pages.join and
# signup_pages.signup_submit with limiter.limit(...) but throws the wrappers away, and the blueprint
# keeps the undecorated views, so SIGNUP_RATE_LIMIT is never checked (tests/core records the same for
# /i/ and /login). Registering the wrappers, e.g. app.view_functions["signup.join"] = limiter.limit(
# signup_pages.signup_limit, methods=["POST"])(signup_pages.join), makes this pass. strict: red once fixed.
def test_with_the_shipped_rate_limit_the_sixth_sign_up_in_a_minute_from_one_address_gets_429(make_site):
    with make_site(SIGNUP_MIN_SECONDS=0) as site:
        for url, prefix in ((site.signup_page(), "self"), (site.new_link(), "join")):
            answers = [site.sign_up(url, f"{prefix}{n}@example.com", name=f"P{n}") for n in range(6)]
            assert [a.status for a in answers] == [200] * 5 + [429]
            assert answers[-1].title == "Too many attempts"
            assert "Please wait a few minutes before trying again." in answers[-1].text
            assert Browser().get(url).status == 200  # reading the page is not limited
        assert site.announce() == 5  # the five self sign-ups; the sixth was never recorded
        site.deliver()
        assert len(site.mails_to("join4@example.com")) == 1 and site.mails_to("join5@example.com") == []
