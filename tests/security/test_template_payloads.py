"""Email templates that would tie up the server (issue 11, R19, R20). The sandbox keeps Python's
internals out of reach, but a template can still make the worker format a number with a billion
decimals (`'%.999999999f' is divisibleby 7`: the divisibleby, even and odd tests compute
`value % n`, which on text is %-formatting), hold a number the parser cannot convert, nest so deep
the parser or the compiler gives up (or spends minutes), or fill in to many times its own size.

Each such template is refused with a message on the field it is in, quickly, and nothing is saved;
a non-admin's forged submission is refused before the template is looked at; and a stored template
that cannot be filled in when an email goes out is replaced by the shipped default for that email.
"""
from __future__ import annotations

import logging
import re
import threading

import pytest

from bot.slack import ids
from commands import templates
from commands.clock import clock as the_clock
from commands.errors import InvalidInput
from storage.db import session
from storage.models import EmailTemplate, Workspace

from conftest import TEAM
from signup.conftest import ADMIN, AGENT, BRAND, site, text_part, visible_text  # noqa: F401 (site: fixture)

HUGE = "'%.999999999f'"  # a billion decimals: about 10 s of CPU and 2 GB of memory to format
TESTS_NAMED = "Use the tests defined, undefined, none"  # the refusal lists the tests that may be used

# id -> (field the problem is in, subject, body, what the refusal says)
PAYLOADS = {
    "divisibleby-huge-format": (ids.BODY, "Hello",
                                "{% if " + HUGE + " is divisibleby expiry_days %}x{% endif %}{{ link }}",
                                "The body uses the test divisibleby, which email templates do not support."),
    "divisibleby-in-subject": (ids.SUBJECT, "{% if " + HUGE + " is divisibleby 7 %}Hi{% endif %}", "{{ link }}",
                               "The subject uses the test divisibleby, which email templates do not support."),
    "even-format-string": (ids.BODY, "Hello", "{% if " + HUGE + " is even %}x{% endif %}{{ link }}",
                           "The body uses the test even, which email templates do not support."),
    "odd-format-string": (ids.BODY, "Hello", "{% if " + HUGE + " is not odd %}x{% endif %}{{ link }}",
                          "The body uses the test odd, which email templates do not support."),
    "5000-digit-number": (ids.BODY, "Hello", "{{ " + "9" * 5000 + " }} {{ link }}",
                          "The body has a number with more than 4,300 digits"),
    "3000-nested-parentheses": (ids.BODY, "Hello", "{{ " + "(" * 3000 + "link" + ")" * 3000 + " }}",
                                "The body is nested too deeply"),
    "300-nested-nots": (ids.BODY, "Hello", "{% if " + "not " * 300 + "link %}x{% endif %}{{ link }}",
                        "The body is nested too deeply"),
    "output-many-times-its-size": (ids.BODY, "Hello", "{{ " + " ~ ".join(["link"] * 1400) + " }}",
                                   "The body would be more than 50,000 characters once filled in"),
}
CASES = [pytest.param(*case, id=name) for name, case in PAYLOADS.items()]
WHAT_TO_DO = re.compile(r"\. (Use the tests \w+|Shorten it|Split it into simpler|Use fewer placeholders)")


def _finishes(work, seconds: float = 20):
    """Run `work` in a thread; what it returned or raised, failing if it was still busy after `seconds`."""
    outcome = {}

    def run():
        try:
            outcome["returned"] = work()
        except BaseException as exc:  # noqa: BLE001 (whatever escaped is what the test inspects)
            outcome["raised"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still busy after {seconds} s"
    return outcome


def _answer(work, seconds: float = 20):
    """What `work` returned, within `seconds` (what it raised is raised here)."""
    outcome = _finishes(work, seconds)
    if "raised" in outcome:
        raise outcome["raised"]
    return outcome["returned"]


def _stored(kind: str = "invitation"):
    with session():
        found = EmailTemplate.get_or_none(EmailTemplate.kind == kind)
        return (found.subject, found.body) if found else None


@pytest.mark.parametrize("field, subject, body, says", CASES)
def test_checking_a_stalling_template_ends_in_a_field_error_that_says_what_is_wrong(field, subject, body, says):
    outcome = _finishes(lambda: templates.check(subject, body))
    refused = outcome.get("raised")
    assert isinstance(refused, InvalidInput), outcome
    assert refused.field == field
    assert refused.message.startswith(says), refused.message
    assert WHAT_TO_DO.search(refused.message), refused.message  # and what to do about it


@pytest.mark.parametrize("name", ["divisibleby", "even", "odd", "escaped", "sequence"])
def test_a_refused_test_is_named_and_the_usable_tests_are_listed(name):
    with pytest.raises(InvalidInput) as refused:
        templates.check("Hello", f"{{% if customer_name is {name} %}}x{{% endif %}}{{{{ link }}}}")
    assert f"The body uses the test {name}, which email templates do not support." in refused.value.message
    assert TESTS_NAMED in refused.value.message and "sameas" in refused.value.message
    assert "divisibleby" not in refused.value.message.split("Use the tests")[1]


def test_the_usable_tests_still_work_in_a_template():
    body = ("{% if customer_name is defined and customer_name is string and expiry_days is number %}"
            "{% if expiry_days is gt 3 and expiry_days is le 7 and 'Pat' is in customer_name %}soon{% endif %}"
            "{% if support_email is none %}none{% elif inviter_name is eq 'Sam Agent' %} by Sam{% endif %}"
            "{% endif %} {{ link }}")
    templates.check("Hello", body)
    assert templates.render("Hello", body, templates.PLACEHOLDERS)[1] == (
        "soon by Sam https://portal.example.com/i/EXAMPLE-LINK")


@pytest.mark.parametrize("field, subject, body, says", CASES)
def test_the_templates_modal_answers_a_stalling_template_inline_on_its_block_and_saves_nothing(
        site, field, subject, body, says):
    view = site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL)
    _, answer = _answer(lambda: site.submit_view(ADMIN, view, {ids.SUBJECT: subject, ids.BODY: body}))
    assert answer == {"response_action": "errors", "errors": {field: answer["errors"][field]}}
    assert answer["errors"][field].startswith(says[:150])
    site.settle()
    assert site.dms_to(ADMIN) == [] and _stored() is None


@pytest.mark.parametrize("payload", ["divisibleby-huge-format", "3000-nested-parentheses",
                                     "output-many-times-its-size"])
def test_update_preview_shows_what_is_wrong_instead_of_filling_in_a_stalling_template(site, payload):
    field, subject, body, says = PAYLOADS[payload]
    view = site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL)
    shown = visible_text(_answer(lambda: site.click_in_view(ADMIN, view, ids.TEMPLATE_PREVIEW,
                                                           values={ids.SUBJECT: subject, ids.BODY: body})))
    assert f":warning: {says}" in shown
    assert "*Preview with sample data*" not in shown
    assert _stored() is None


@pytest.mark.parametrize("looked_up_before", [True, False], ids=["agent-seen-moments-ago", "agent-not-seen"])
@pytest.mark.parametrize("payload", [
    pytest.param(PAYLOADS["divisibleby-huge-format"][2], id="divisibleby-huge-format"),
    pytest.param(PAYLOADS["5000-digit-number"][2], id="5000-digit-number"),
    pytest.param("{{ link.center(999999999) }}", id="method-call"),
])
def test_a_non_admins_forged_templates_submission_is_refused_before_the_template_is_looked_at(
        site, payload, looked_up_before):
    view = site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL)
    _, answer = site.submit_view(ADMIN, view, {ids.SUBJECT: "Our portal", ids.BODY: "Join: {{ link }}"})
    assert not answer
    site.settle()
    if looked_up_before:  # Sam tried the command first and was refused; the app knows who he is
        refused = site.open_modal(AGENT, "templates", None)  # the last modal shown, whatever it is
        assert "Only team admins can edit email templates." in visible_text(refused)
    told_before = len(site.dms_to(AGENT))

    _, answer = _answer(lambda: site.submit_view(AGENT, view, {ids.SUBJECT: "Click here", ids.BODY: payload}))
    site.settle()

    assert not answer  # nothing about his template: it was never checked
    told = [visible_text(m) for m in site.dms_to(AGENT)[told_before:]]
    assert len(told) == 1 and told[0].startswith("Only team admins can edit email templates. Ask Ada Admin"), told
    assert _stored() == ("Our portal", "Join: {{ link }}")


@pytest.mark.parametrize("body", [
    pytest.param(PAYLOADS["divisibleby-huge-format"][2].replace(HUGE, "'%.2f'"), id="divisibleby"),
    pytest.param(PAYLOADS["5000-digit-number"][2], id="5000-digit-number"),
    pytest.param("{% if expiry_days > 'soon' %}x{% endif %}{{ link }}", id="fails-only-when-filled-in"),
])
def test_a_stored_template_that_cannot_be_filled_in_sends_the_default_email_and_logs_one_line(
        site, caplog, body):
    with session():  # a template saved before these checks existed
        EmailTemplate.create(workspace=Workspace.get(Workspace.team_id == TEAM), kind="invitation",
                             subject="Custom {{ workspace_name }}", body=body, updated_by=ADMIN,
                             updated_at=the_clock.now())
    caplog.set_level(logging.INFO)

    site.command(ADMIN, "pat@example.com Pat Doe")
    mail = _answer(lambda: site.only_mail_to("pat@example.com"))

    assert mail["Subject"] == f"{BRAND} invited you to its customer portal"
    assert text_part(mail).startswith("Hello Pat Doe,")
    fallbacks = [r for r in caplog.records if "default" in r.getMessage() and r.levelno >= logging.WARNING]
    assert len(fallbacks) == 1 and "invitation" in fallbacks[0].getMessage(), [r.getMessage() for r in fallbacks]


def test_an_admin_not_looked_up_lately_gets_the_form_back_with_their_text_and_the_problem(site):
    view = site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL)
    site.slack.add_user("U0BEA", "Bea Admin", admin=True)  # submits without having opened anything lately
    field, subject, body, says = PAYLOADS["divisibleby-huge-format"]

    _, answer = _answer(lambda: site.submit_view("U0BEA", view, {ids.SUBJECT: subject, ids.BODY: body}))
    site.settle()

    assert not answer  # not checked before the app knew she is an admin
    reopened = site.last_view(ids.TEMPLATES_MODAL)
    assert f":warning: {says}" in visible_text(reopened)
    inputs = {b["block_id"]: b["element"].get("initial_value") for b in reopened["blocks"] if b.get("type") == "input"}
    assert inputs == {ids.SUBJECT: subject, ids.BODY: body}
    assert site.dms_to("U0BEA") == [] and _stored() is None
