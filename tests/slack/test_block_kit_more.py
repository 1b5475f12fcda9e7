"""The admin screens', bulk uploads' and timed jobs' builders, fed real results, are valid Block Kit too."""
from __future__ import annotations

import datetime as dt
import inspect
import re
from pathlib import Path

import pytest

from bot.slack.listeners.admin import _template_view  # the modal as the listener builds it from commands
from bot.slack.views import admin as admin_views
from bot.slack.views import bulk as bulk_views
from bot.slack.views import home, messages, modals, notices
from commands import bulk, csvfile, invitations, outbox, signup, templates
from commands.actor import Actor
from commands.clock import clock
from commands.timed import Digest, expire_due
from storage.models import Customer, OutboxEmail

from portal.emails import default_template

from conftest import TEAM
from slack.blockkit import LONG, LONG_EMAIL, META, check_message, check_text, check_view

HERE = Path(__file__).parent
# Every public function in these modules builds something Slack shows, except these readers and helpers.
VIEW_MODULES = {"messages": messages, "modals": modals, "home": home, "admin_views": admin_views,
                "bulk_views": bulk_views, "notices": notices}
NOT_BUILDERS = {"slack_date", "localise", "escape", "section", "context", "button", "actions", "values",
                "settings_values"}


@pytest.fixture
def boss(db):
    return Actor(TEAM, "U0ADMIN", "Ada Admin", is_admin=True)


def test_admin_screens_are_valid_block_kit(boss, tmp_path):
    for status in (signup.link_status(boss), signup.new_link(boss), signup.link_status(boss)):
        check_message(admin_views.link_message(status, "https://portal.example.com"))
    signup.disable_link(boss)
    check_message(admin_views.link_message(signup.link_status(boss), "https://portal.example.com"))

    for kind in templates.EDITABLE:
        check_view(_template_view(boss, kind))
    check_view(_template_view(boss, "invitation", "Hello {{ nobody }", "x" * 3000))  # with a problem shown
    check_view(_template_view(boss, "invitation", "Subject " * 25, "Body " * 600))    # a long preview
    subject, body = default_template("reminder")
    check_view(admin_views.templates_modal("reminder", templates.EDITABLE, subject, body, True,
                                           templates.render(subject, body, templates.PLACEHOLDERS)))

    customer = invitations.invite(boss, LONG_EMAIL, name=LONG, account="A" * 64).customer
    ws = invitations.workspace_of(boss)
    check_view(admin_views.access_modal(customer, ws.access_areas, META))
    check_view(admin_views.access_modal(Customer.get_by_id(customer.id), ["Only area"], META))
    check_view(admin_views.settings_modal(ws))
    ws.approval_channel, ws.reminder_channel = "C0APPROVALS", "C0REMIND"
    ws.save()
    check_view(admin_views.settings_modal(ws))


def test_bulk_upload_screens_are_valid_block_kit(boss, tmp_path):
    check_view(bulk_views.bulk_modal(META, csvfile.Limits().max_bytes // 1_000_000))
    check_message(bulk_views.uploads_message([], command="/invite"))
    csv = tmp_path / ("customers-" + "x" * 200 + ".csv")
    rows = [f"A{n},customer{n}@example.com,Pat,Quinn" for n in range(30)]
    rows += ["A99,not-an-email,,", f",nobody@example.com,{LONG},"]
    csv.write_text(csvfile.EXPECTED_HEADER + "\n" + "\n".join(rows) + "\n")
    seen = []
    upload = bulk.import_csv(boss, csv, file_name=csv.name, send=True, progress=seen.append, batch_size=10)
    assert upload.failed == 2
    for state in seen:
        check_text(bulk_views.progress_text(state))
    check_text(bulk_views.summary_text(upload))
    check_text(bulk_views.resend_progress(123_456, 250_000))
    for n in range(20):  # a full history page, as `/invite uploads` shows it
        small = tmp_path / f"again-{n}.csv"
        small.write_text(f"{csvfile.EXPECTED_HEADER}\nA{n},again{n}@example.com,,\n,bad{n},,\n")
        bulk.import_csv(boss, small, file_name=csv.name)
    history = bulk.uploads(boss)
    assert len(history) == 20
    check_message(bulk_views.uploads_message(history, command="/invite"))


def test_timed_job_messages_are_valid_block_kit(boss):
    invitations.invite(boss, LONG_EMAIL)
    pending = [invitations.invite(boss, f"{'w' * 40}{n}@example.com").invitation for n in range(50)]
    ws = invitations.workspace_of(boss)
    digest = Digest(ws, "C0REMIND", dt.date(2026, 1, 5), pending)
    for part, invitations_in_part in enumerate(digest.parts()):
        check_message(notices.digest_message(digest, part, invitations_in_part))
    for error in ("not_in_channel", "is_archived", "channel_not_found", "some_new_error"):
        check_message(notices.channel_problem_dm("C0REMIND", error, command="/invite"))

    clock.advance(days=ws.expiry_days + 1)
    expired = expire_due()
    assert expired
    check_message(notices.expired_dm(expired[0]))
    row = OutboxEmail.select().first()
    outbox.mark_failed(row, "550 5.1.1 <" + row.to_address + "> & friends: mailbox unavailable " + "x" * 900)
    check_message(notices.delivery_failed_dm(OutboxEmail.get_by_id(row.id)))


def test_every_builder_in_bot_slack_views_is_checked_by_these_tests():
    """A new builder must be rendered with real data in test_block_kit*.py before it ships."""
    sources = "\n".join(p.read_text() for p in HERE.glob("test_block_kit*.py"))
    missing = []
    for alias, module in VIEW_MODULES.items():
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_") or name in NOT_BUILDERS:
                continue
            if not re.search(rf"\b{alias}\.{name}\(", sources):
                missing.append(f"{module.__name__}.{name}")
    views_dir = Path(messages.__file__).parent
    modules = {p.stem for p in views_dir.glob("*.py") if p.stem != "__init__"}
    assert modules == {m.__name__.rsplit(".", 1)[1] for m in VIEW_MODULES.values()}, "a new views module"
    assert missing == []
