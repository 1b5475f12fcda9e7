"""The settings modal (`/invite settings`, admins): validated, every bad field named inline, saved
through the modal's view_submission and shown again when reopened. Branding (display name, logo,
accent colour, support email) appears on every customer page and email."""
from __future__ import annotations

import re

import pytest

from bot.browser import Browser
from bot.slack import ids

from signup.conftest import (ADMIN, AGENT, BRAND, OTHER_BRAND, OTHER_TEAM, html_part, initial_values, link_in,
                             text_part, visible_text)

LOGO = "https://cdn.example.com/brand/acme-lighting.png"
BRANDING = {"brand_name": "Acme Lighting Co", "logo_url": LOGO, "accent_color": "#C0392B",
            "support_email": "help@acme.example"}


def _settings_view(site, user=ADMIN):
    return site.open_modal(user, "settings", ids.SETTINGS_MODAL)


def test_the_modal_shows_the_documented_defaults(site):
    values = initial_values(_settings_view(site))
    assert values["expiry_days"] == "7" and values["job_limit"] == "3" and values["signup_link_days"] == "7"
    assert values["reminder_time"] == "09:00" and values["reminder_tz"] == "UTC"
    assert sorted(values["flags"]) == ["approval_required", "denial_email", "self_signup"]
    assert values["access_areas"].splitlines() == ["Inspection reports", "Service reports", "Proposals",
                                                   "Invoicing / payments"]
    assert values["accent_color"] == "#2b5fad" and values["brand_name"] is None


def test_settings_saved_through_the_modal_come_back_when_it_is_reopened_and_take_effect(site):
    view = _settings_view(site)
    values = {**initial_values(view), "expiry_days": "14", "job_limit": "5", "approval_channel": "C0APPROVE",
              "reminder_channel": "C0REMIND", "reminder_time": "10:30", "reminder_tz": "Europe/London",
              "reminder_days": "4", "customer_reminder_max": "3", "signup_link_days": "10",
              "flags": ["customer_reminders", "signup_link_approval", "auto_invite"],
              "access_areas": "Inspection reports\nService reports\nWarranty", "default_access": "Warranty",
              **BRANDING}
    _, answer = site.submit_view(ADMIN, view, values)
    assert answer is None  # accepted: the modal closes
    site.settle()
    saved = visible_text(site.dms_to(ADMIN)[-1])
    for line in ("Settings saved.", "Invitation links valid for: 14 days",
                 "Invitees per job: at most 5 open or enrolled",
                 "Agents' invitations need approval: no", "Approval channel: <#C0APPROVE>",
                 "Reminder digest: daily at 10:30 (Europe/London) in <#C0REMIND>",
                 "Reminder emails to customers: on, at most 3 each", "New customers may see: Warranty",
                 "Sign-up link: valid 10 days; sign-ups need approval", "Self sign-up page: off",
                 "Email to people denied: no", "Bulk uploads send invitations by default: yes",
                 f"Branding: Acme Lighting Co, accent #c0392b, logo {LOGO}, support help@acme.example"):
        assert line in saved, line

    reopened = initial_values(_settings_view(site))
    assert reopened == {**values, "accent_color": "#c0392b"}
    assert "Invitation sent" in visible_text(site.command(AGENT, "pat@example.com"))  # no approval needed now
    assert "/signup/" not in visible_text(site.command(ADMIN, "link"))


def test_every_wrong_field_is_named_inline_at_once_and_nothing_changes(site):
    view = _settings_view(site)
    before = initial_values(view)
    wrong = {"expiry_days": "0", "job_limit": "many", "reminder_tz": "Mars/Olympus", "reminder_time": "25:00",
             "approval_channel": "#general", "accent_color": "red", "logo_url": "http://cdn.example.com/a.png",
             "support_email": "not-an-address", "access_areas": "\n \n", "default_access": "Warranty",
             "brand_name": "N" * 101}
    _, answer = site.submit_view(ADMIN, view, {**before, **wrong})
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert set(errors) == set(wrong)
    assert errors["expiry_days"] == "Link validity must be between 1 and 90."
    assert errors["job_limit"] == "Invitees per job must be a whole number."
    assert errors["reminder_tz"].startswith("Unknown time zone")
    assert errors["reminder_time"] == "Reminder time must look like 09:00."
    assert errors["approval_channel"] == "Choose a channel from the list."
    assert errors["accent_color"] == "The accent colour must look like #2b5fad."
    assert errors["logo_url"].startswith("The logo must be an https:// address")
    assert errors["access_areas"] == "List at least one portal area, one per line."
    assert all(len(message) <= 150 for message in errors.values())
    site.settle()
    assert site.dms_to(ADMIN) == []
    assert initial_values(_settings_view(site)) == before


@pytest.mark.parametrize("field, value", [
    ("accent_color", "red"), ("accent_color", "#12345"), ("accent_color", "#gggggg"), ("accent_color", "#fff"),
    ("accent_color", "#2b5fad;}body{display:none"), ("accent_color", "url(javascript:alert(1))"),
    ("accent_color", ""),
    ("logo_url", "http://cdn.example.com/logo.png"), ("logo_url", "javascript:alert(1)"),
    ("logo_url", 'https://cdn.example.com/a.png" onerror="alert(1)'), ("logo_url", "data:image/png;base64,AAAA"),
    ("logo_url", "//cdn.example.com/logo.png"), ("logo_url", "https://cdn.example.com/a b.png"),
    ("logo_url", "https://cdn.example.com/" + "a" * 480),
    ("support_email", "help@"), ("support_email", "help@acme.example<script>"),
])
def test_invalid_colours_urls_and_addresses_for_branding_are_refused(site, field, value):
    view = _settings_view(site)
    _, answer = site.submit_view(ADMIN, view, {**initial_values(view), field: value})
    assert answer["response_action"] == "errors" and list(answer["errors"]) == [field]
    assert BRAND in Browser().get(site.new_link()).body  # the pages keep the branding they had


def test_an_agent_cannot_change_the_settings_even_by_submitting_the_form(site):
    view = _settings_view(site)
    before = initial_values(view)
    refusal = site.open_modal(AGENT, "settings", "refused")
    assert "Only team admins can see and change the settings. Ask Ada Admin." in visible_text(refusal)
    _, answer = site.submit_view(AGENT, view, {**before, "expiry_days": "30"})  # a forged submission
    assert answer["response_action"] == "errors"
    assert answer["errors"]["expiry_days"].startswith("Only team admins can change the settings. Ask Ada Admin")
    site.settle()
    assert initial_values(_settings_view(site)) == before


def test_branding_is_on_every_customer_page_and_email(site):
    site.change_settings(**BRANDING)
    name = BRANDING["brand_name"]
    join = site.new_link()
    signup = site.signup_page()
    for url in (join, signup):
        page = Browser().get(url)
        assert f"· {name}</title>" in page.body
        assert f'<img src="{LOGO}" alt="{name}">' in page.body
        assert 'href="mailto:help@acme.example"' in page.body
        css = re.search(r'href="(/brand/\d+\.css)"', page.body).group(1)
        assert Browser().get(site.url + css).body == ":root { --accent: #c0392b; }\n"
    received = site.sign_up(join, "jo@example.com", name="Jo")
    assert f'<img src="{LOGO}"' in received.body and "help@acme.example" in received.body

    mail = site.only_mail_to("jo@example.com")
    assert mail["Subject"] == f"Finish signing up to the {name} customer portal"
    assert text_part(mail).rstrip().endswith(f"— {name}")
    markup = html_part(mail)
    assert f'<img src="{LOGO}" alt="{name}"' in markup
    assert markup.count("background:#c0392b") == 2  # the header and the button
    assert 'href="mailto:help@acme.example"' in markup
    link = link_in(mail)
    assert f'<a href="{link}" style="background:#c0392b' in markup

    register = Browser().get(link)
    assert register.title == "Set up your account" and f'<img src="{LOGO}"' in register.body
    enrolled = site.set_password(link, name="Jo")
    assert f'<img src="{LOGO}"' in enrolled.body and f"Your account with {name} is ready" in enrolled.text
    used = Browser().get(link)
    assert used.title == "This invitation was already used" and f'<img src="{LOGO}"' in used.body
    signed_in = site.log_in("jo@example.com")
    assert f'<img src="{LOGO}"' in signed_in.body and f"<h2>{name}</h2>" in signed_in.body

    site.command(ADMIN, "pat@example.com")
    invitation = site.only_mail_to("pat@example.com")
    assert invitation["Subject"] == f"{name} invited you to its customer portal"
    assert f'<img src="{LOGO}"' in html_part(invitation) and "help@acme.example" in html_part(invitation)


def test_one_workspaces_branding_never_shows_on_anothers_pages_or_emails(site):
    site.change_settings(**BRANDING)
    page = Browser().get(site.new_link(team=OTHER_TEAM))
    assert page.title == f"Join {OTHER_BRAND}"
    assert LOGO not in page.body and "help@acme.example" not in page.body
    css = re.search(r'href="(/brand/\d+\.css)"', page.body).group(1)
    assert Browser().get(site.url + css).body == ":root { --accent: #2b5fad; }\n"
    site.sign_up(site.new_link(team=OTHER_TEAM), "lee@example.com")
    markup = html_part(site.only_mail_to("lee@example.com"))
    assert LOGO not in markup and "#c0392b" not in markup and "Acme" not in markup
    assert "background:#2b5fad" in markup and "Questions?" not in markup  # no support email set


def test_the_brand_stylesheet_of_an_unknown_workspace_uses_the_default_colour(site):
    assert Browser().get(f"{site.url}/brand/999999.css").body == ":root { --accent: #2b5fad; }\n"
