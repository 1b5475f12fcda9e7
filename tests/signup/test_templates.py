"""R19: email templates. Defaults ship for invitation, welcome, reminder and sign-up confirmation;
admins edit subject and body per workspace in the `/invite templates` modal (live preview with
sample data, Update preview, Reset to default). Templates run in a sandboxed Jinja2 that refuses
injection payloads, unknown placeholders, syntax errors and oversized text with a clear message,
and the HTML part is made from the same text as the plain-text part."""
from __future__ import annotations

import html
import re
import time

import pytest
from jinja2.exceptions import SecurityError

from bot.slack import ids
from commands import templates
from commands.actor import Actor
from commands.errors import InvalidInput
from portal.emails import default_template

from conftest import TEAM
from signup.conftest import ADMIN, BRAND, OTHER_BRAND, OTHER_TEAM, html_part, link_in, text_part, visible_text

INJECTIONS = [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{% for c in [].__class__.__base__.__subclasses__() %}",
    "{{ customer_name|attr('__class__') }}",
    "{{ '{0.__class__}'.format(customer_name) }}",
    "{{ self._TemplateReference__context }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ config.items() }}",
    "{{ request.application.__globals__ }}",
    "{% set x = customer_name.__class__ %}{{ x }}",
    "{% include '/etc/passwd' %}",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    # Not a way out of the sandbox, but a way to tie up the server while it checks the template:
    "{{ link.center(999999999) }}",
    "{{ 'x' * 999999999 }}",
    "{{ '%999999999s' % link }}",
    "{% for a in link %}{% for b in link %}{% for c in link %}{% for d in link %}x{% endfor %}{% endfor %}"
    "{% endfor %}{% endfor %}",
]
# Each refusal says what is wrong in words an admin can act on.
CLEAR = re.compile(r"template error on line \d+|unknown placeholder\(s\): \w+|uses (a loop|a macro|\{% set %\}|"
                   r"a function or method call|attribute or item access|arithmetic|another template|the filter \w+)")
ADMIN_ACTOR = Actor(TEAM, ADMIN, "Ada Admin", is_admin=True)
PREVIEW = "*Preview with sample data*"


def _paragraphs_of_html(markup: str) -> list[str]:
    """The paragraphs a mail client shows from the HTML part, as plain text."""
    found = re.findall(r'<p style="margin:0 0 14px 0;">(.*?)</p>', markup, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", p.replace("<br>", "\n"))) for p in found]


def _paragraphs_of_text(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip())]


def test_the_modal_refuses_every_injection_payload_inline_at_once_and_saves_nothing(site):
    view = site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL)
    for payload in INJECTIONS:
        started = time.monotonic()
        _, answer = site.submit_view(ADMIN, view, {ids.SUBJECT: "Hello", ids.BODY: f"{payload}\n{{{{ link }}}}"})
        assert time.monotonic() - started < 3, payload  # Slack waits 3 seconds for the answer
        assert answer["response_action"] == "errors" and list(answer["errors"]) == [ids.BODY], payload
        assert CLEAR.search(answer["errors"][ids.BODY]), (payload, answer["errors"][ids.BODY])
    site.settle()
    assert site.dms_to(ADMIN) == []
    assert "(This is the default.)" in visible_text(site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL))


def test_saving_an_injection_payload_is_refused_in_subject_and_body(db):
    for payload in INJECTIONS:
        for subject, body in ((payload, "{{ link }}"), ("Hello", f"{payload} {{{{ link }}}}")):
            with pytest.raises(InvalidInput) as refused:
                templates.save(ADMIN_ACTOR, "invitation", subject, body)
            assert CLEAR.search(refused.value.message), (payload, refused.value.message)
    assert templates.current(ADMIN_ACTOR, "invitation") is None


def test_the_sandbox_itself_refuses_python_internals_when_rendering():
    for source in ("{{ ''.__class__ }}", "{{ customer_name.__class__.__mro__ }}",
                   "{{ customer_name|attr('__class__') }}"):
        with pytest.raises(SecurityError):
            templates.SANDBOX.from_string(source).render(templates.PLACEHOLDERS)


@pytest.mark.parametrize("subject, body, field, message", [
    ("Hello", "Hi {{ first_name }}, {{ link }}", ids.BODY,
     "The body uses unknown placeholder(s): first_name. Available: customer_email, customer_name"),
    ("Hi {{ name }}", "{{ link }}", ids.SUBJECT, "The subject uses unknown placeholder(s): name."),
    ("Hello", "Hello {{ customer_name }\n{{ link }}", ids.BODY, "The body has a template error on line 1"),
    ("Hello", "Hi\n{% if customer_name %}\n{{ link }}", ids.BODY,
     "The body has a template error on line 3: Unexpected end of template."),
    ("Hello", "Choose your password, {{ customer_name }}.", ids.BODY,
     "The body must contain {{ link }}: it is how the customer gets in."),
    ("", "{{ link }}", ids.SUBJECT, "The subject cannot be empty."),
    ("S" * 201, "{{ link }}", ids.SUBJECT, "The subject must be one line of at most 200 characters."),
    ("Two\nlines", "{{ link }}", ids.SUBJECT, "The subject must be one line of at most 200 characters."),
    ("Hello", "x" * 10_000 + "{{ link }}", ids.BODY, "The body is 10,010 characters; at most 10,000."),
])
def test_a_bad_template_is_refused_with_a_message_naming_the_problem(site, subject, body, field, message):
    view = site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL)
    _, answer = site.submit_view(ADMIN, view, {ids.SUBJECT: subject, ids.BODY: body})
    assert answer == {"response_action": "errors", "errors": {field: answer["errors"][field]}}
    assert answer["errors"][field].startswith(message[:150])


def test_every_shipped_default_passes_its_own_checks_and_renders_the_sample_data():
    assert set(templates.EDITABLE) == {"invitation", "welcome", "reminder", "signup_confirmation"}
    for kind in templates.EDITABLE:
        subject, body = default_template(kind)
        templates.check(subject, body)
        shown_subject, shown_body = templates.render(subject, body, templates.PLACEHOLDERS)
        assert "Acme Lighting" in shown_subject and "{" not in shown_subject
        assert "https://portal.example.com/i/EXAMPLE-LINK" in shown_body and "{{" not in shown_body


def test_the_modal_opens_on_the_invitation_with_a_preview_rendered_from_sample_data(site):
    view = site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL)
    shown = visible_text(view)
    assert "(This is the default.)" in shown
    preview = shown[shown.index(PREVIEW):]
    assert "*Acme Lighting invited you to its customer portal*" in preview
    assert "Hello Pat Customer," in preview and "Sam Agent at Acme Lighting invited you" in preview
    assert "https://portal.example.com/i/EXAMPLE-LINK" in preview
    subject_input = next(b for b in view["blocks"] if b.get("block_id") == ids.SUBJECT)
    assert subject_input["element"]["initial_value"] == "{{ workspace_name }} invited you to its customer portal"


def test_choosing_another_email_shows_its_template_and_preview(site):
    view = site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL)
    welcome = site.click_in_view(ADMIN, view, ids.TEMPLATE_KIND, selected="welcome")
    assert welcome["private_metadata"] == '{"kind":"welcome"}'
    assert "*Acme Lighting added you to its customer portal*" in visible_text(welcome)
    assert "log in with the password you already use" in visible_text(welcome)


def test_update_preview_renders_the_edited_text_or_names_what_is_wrong_instead(site):
    view = site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL)
    edited = {ids.SUBJECT: "Welcome aboard, {{ customer_name }}", ids.BODY: "Hi {{ customer_name }}: {{ link }}"}
    previewed = site.click_in_view(ADMIN, view, ids.TEMPLATE_PREVIEW, values=edited)
    shown = visible_text(previewed)
    assert "*Welcome aboard, Pat Customer*" in shown
    assert "Hi Pat Customer: https://portal.example.com/i/EXAMPLE-LINK" in shown

    broken = site.click_in_view(ADMIN, previewed, ids.TEMPLATE_PREVIEW,
                                values={ids.SUBJECT: "Hi", ids.BODY: "Hi {{ first_name }} {{ link }}"})
    shown = visible_text(broken)
    assert ":warning: The body uses unknown placeholder(s): first_name." in shown
    assert PREVIEW not in shown
    assert site.dms_to(ADMIN) == []  # previewing saves nothing


def test_a_saved_template_is_used_for_the_next_email_and_its_html_says_the_same_as_its_text(site):
    view = site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL)
    body = ("Hi {{ customer_name|default('there') }},\n\n{{ inviter_name }} set you up with {{ workspace_name }}.\n"
            "Start here: {{ link }}\n\nQuestions? {{ support_email or 'Reply to this email' }}.")
    _, answer = site.submit_view(ADMIN, view, {ids.SUBJECT: "Your {{ workspace_name }} portal is ready",
                                               ids.BODY: body})
    assert not answer
    site.settle()
    assert "The invitation email now uses your template." in visible_text(site.dms_to(ADMIN)[-1])
    assert "(This is the default.)" not in visible_text(site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL))

    site.command(ADMIN, "pat@example.com Pat Doe")
    mail = site.only_mail_to("pat@example.com")
    assert mail["Subject"] == f"Your {BRAND} portal is ready"
    text = text_part(mail)
    link = link_in(mail)
    assert text.startswith(f"Hi Pat Doe,\n\nAda Admin set you up with {BRAND}.\nStart here: {link}")
    assert _paragraphs_of_html(html_part(mail)) == _paragraphs_of_text(text)
    assert f'<a href="{link}"' in html_part(mail)
    assert site.set_password(link, name="Pat Doe").title == "You are enrolled"


def test_reset_to_default_brings_back_the_shipped_template(site):
    templates.save(ADMIN_ACTOR, "invitation", "Custom subject", "Custom body {{ link }}")
    view = site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL)
    assert "*Custom subject*" in visible_text(view)
    reset = site.click_in_view(ADMIN, view, ids.TEMPLATE_RESET)
    assert "(This is the default.)" in visible_text(reset)
    assert "*Acme Lighting invited you to its customer portal*" in visible_text(reset)
    site.command(ADMIN, "pat@example.com")
    assert site.only_mail_to("pat@example.com")["Subject"] == f"{BRAND} invited you to its customer portal"


def test_a_workspace_template_changes_only_that_workspaces_emails(site):
    view = site.open_modal(ADMIN, "templates", ids.TEMPLATES_MODAL)
    welcome = site.click_in_view(ADMIN, view, ids.TEMPLATE_KIND, selected="signup_confirmation")
    _, answer = site.submit_view(ADMIN, welcome, {ids.SUBJECT: "Acme says hi", ids.BODY: "Go: {{ link }}"})
    assert not answer
    site.settle()
    assert "The sign-up confirmation email now uses your template." in visible_text(site.dms_to(ADMIN)[-1])
    site.sign_up(site.new_link(), "acme@example.com")
    site.sign_up(site.new_link(team=OTHER_TEAM), "boreal@example.com")
    assert site.only_mail_to("acme@example.com")["Subject"] == "Acme says hi"
    assert (site.only_mail_to("boreal@example.com")["Subject"]
            == f"Finish signing up to the {OTHER_BRAND} customer portal")


def test_html_part_escapes_markup_from_the_template_and_from_what_customers_type(site):
    templates.save(ADMIN_ACTOR, "signup_confirmation", "Hi {{ customer_name }}",
                   "<script>alert(1)</script> Hello {{ customer_name }}!\n\n{{ link }}")
    name = "<img src=x onerror=alert(1)> {{ ''.__class__ }}"
    site.sign_up(site.new_link(), "mal@example.com", name=name)
    mail = site.only_mail_to("mal@example.com")
    assert mail["Subject"] == f"Hi {name}"  # typed text is shown as typed, never run as a template
    assert f"<script>alert(1)</script> Hello {name}!" in text_part(mail)
    markup = html_part(mail)
    assert "<script>" not in markup and "<img src=x" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup and "&lt;img src=x onerror=alert(1)&gt;" in markup
    assert _paragraphs_of_html(markup) == _paragraphs_of_text(text_part(mail))
