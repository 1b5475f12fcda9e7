"""Every row of the slash command's grammar, typed through signed HTTP into the running app."""
from __future__ import annotations

import pytest

from bot.slack import ids
from commands import invitations
from storage.models import AppAdmin, Customer, Event, Invitation, OutboxEmail

from conftest import link_in
from slack.conftest import ADMIN, AGENT, AGENT2, CHANNEL, buttons, visible_text


def _invited(stack, email: str) -> None:
    stack.command(ADMIN, email).reply()


def _opened_view(stack, callback_id: str) -> dict:
    return stack.wait("views.open", where=lambda c: c.args["view"]["callback_id"] == callback_id)[0].args


def test_bare_command_opens_the_invite_modal_then_fills_in_the_access_areas(stack):
    sent = stack.command(AGENT, "")
    assert (sent.status, sent.body) == (200, "")
    opened = _opened_view(stack, ids.INVITE_MODAL)
    assert opened["trigger_id"]
    update = stack.wait("views.update")[0].args
    assert update["view"]["callback_id"] == ids.INVITE_MODAL
    assert "Inspection reports" in visible_text(update["view"])


def test_admin_invite_is_sent_at_once_and_the_email_arrives_after_a_delivery_pass(stack, db):
    sent = stack.command(ADMIN, "pat@example.com Pat Quinn account:A-17 job:J-9")
    assert (sent.status, sent.body) == (200, "")
    reply = sent.reply()
    assert reply["response_type"] == "ephemeral"
    assert "Invitation sent to pat@example.com" in visible_text(reply)
    assert buttons(reply) == {ids.STATUS: '{"e":"pat@example.com"}'}

    customer = Customer.get(Customer.email == "pat@example.com")
    assert (customer.name, customer.account_number, customer.role) == ("Pat Quinn", "A-17", "admin")
    invitation = Invitation.get(Invitation.customer == customer)
    assert (invitation.status, invitation.job_ref, invitation.inviter) == ("pending", "J-9", ADMIN)
    assert stack.calls("chat.postMessage") == []  # nothing to approve

    assert stack.deliver().sent == 1
    [mail] = stack.mail_to("pat@example.com")
    assert f"{stack.config.public_url}/i/" in link_in(mail)


def test_agent_invite_is_requested_and_the_approval_request_is_posted_in_the_channel(stack, db):
    reply = stack.command(AGENT, "pat@example.com Pat Quinn job:J-9").reply()
    assert "waiting for an admin's approval" in visible_text(reply)

    request = stack.approval_request("pat@example.com", channel=CHANNEL).args
    text = visible_text(request)
    assert "<@U0AGENT> asks to invite" in text and "Name: Pat Quinn" in text and "Job: J-9" in text
    assert set(buttons(request)) == {ids.APPROVE, ids.DENY}
    stack.settle()  # the message's place is recorded once Slack has answered
    invitation = Invitation.get()
    assert invitation.status == "requested"
    assert invitation.request_message_channel == CHANNEL
    assert OutboxEmail.select().count() == 0
    assert stack.deliver().sent == 0


def test_status_shows_the_label_and_the_history_timeline(stack):
    _invited(stack, "pat@example.com")
    reply = stack.command(AGENT, "status PAT@example.com").reply()
    text = visible_text(reply)
    assert "*pat@example.com* — *Invited*" in text
    assert "Link valid until" in text
    assert "*History*" in text and "sent by <@U0ADMIN>" in text
    assert set(buttons(reply)) == {ids.RESEND, ids.REVOKE}


def test_status_of_someone_never_invited_says_how_to_invite_them(stack):
    text = visible_text(stack.command(AGENT, "status nobody@example.com").reply())
    assert "There is no invitation for nobody@example.com" in text
    assert "`/invite nobody@example.com`" in text


def test_status_alone_opens_the_lookup_modal(stack):
    assert stack.command(AGENT, "status").status == 200
    view = _opened_view(stack, ids.STATUS_MODAL)["view"]
    assert view["submit"]["text"] == "Look up"


def test_list_shows_everyone_then_filters_by_status_and_pages(stack):
    _invited(stack, "pat@example.com")
    stack.command(AGENT, "lee@example.com").reply()

    everyone = visible_text(stack.command(AGENT, "list").reply())
    assert "*2 customer(s)* — page 1 of 1" in everyone
    assert "pat@example.com — Invited" in everyone and "lee@example.com — Requested" in everyone

    requested = visible_text(stack.command(AGENT, "list requested").reply())
    assert "lee@example.com" in requested and "pat@example.com" not in requested

    past_the_end = visible_text(stack.command(AGENT, "list invited 2").reply())
    assert "Page 2 is past the end; there are 1 page(s)." in past_the_end


def test_a_long_list_pages_with_next_and_previous_buttons(stack, db, admin):
    for n in range(23):
        invitations.invite(admin, f"customer{n:02d}@example.com")
    first = stack.command(AGENT, "list invited").reply()
    assert "*23 Invited customer(s)* — page 1 of 2" in visible_text(first)
    assert "customer22@example.com" in visible_text(first) and "customer02@example.com" not in visible_text(first)
    [(action, value)] = [(a, v) for a, v in buttons(first).items() if a.startswith(ids.LIST_PAGE)]

    clicked = stack.click(AGENT, action, value, channel=CHANNEL, message_ts="1.1")
    second = clicked.reply()
    assert second["replace_original"] is True
    assert "page 2 of 2" in visible_text(second) and "customer02@example.com" in visible_text(second)
    assert [a for a in buttons(second) if a.startswith(ids.LIST_PAGE)] == [ids.LIST_PAGE + "_prev"]
    assert "page 2 of 2" in visible_text(stack.command(AGENT, "list invited 2").reply())


def test_list_with_an_unknown_status_names_the_valid_ones(stack):
    text = visible_text(stack.command(AGENT, "list bogus").reply())
    assert "Unknown status `bogus`" in text
    assert "not-enrolled, requested, invited, enrolled, expired, suspended" in text


def test_resend_one_sends_a_fresh_link(stack, db):
    _invited(stack, "pat@example.com")
    text = visible_text(stack.command(ADMIN, "resend pat@example.com").reply())
    assert "A fresh link was sent to pat@example.com" in text
    assert [i.status for i in Invitation.select().order_by(Invitation.id)] == ["replaced", "pending"]
    assert stack.deliver().sent == 2


def test_resend_several_named_at_once(stack):
    _invited(stack, "pat@example.com")
    _invited(stack, "lee@example.com")
    text = visible_text(stack.command(ADMIN, "resend pat@example.com, lee@example.com").reply())
    assert "Sent a fresh link to 2 customer(s): pat@example.com, lee@example.com." in text


def test_resend_all_is_for_admins_and_an_agent_is_told_which_admins_to_ask(stack, db):
    _invited(stack, "pat@example.com")
    _invited(stack, "lee@example.com")
    refused = visible_text(stack.command(AGENT, "resend all").reply())
    assert "Only team admins can resend all pending invitations" in refused
    assert "Ada Admin" in refused and "Bea Admin" in refused
    assert Event.select().where(Event.kind == "resent").count() == 0

    done = visible_text(stack.command(ADMIN, "resend all").reply())
    assert "Sent a fresh link to 2 customer(s)" in done
    assert Event.select().where(Event.kind == "resent").count() == 2


def test_resend_alone_opens_a_modal_listing_the_pending_invitations(stack):
    _invited(stack, "pat@example.com")
    stack.command(ADMIN, "resend")
    assert _opened_view(stack, ids.RESEND_MODAL)
    update = stack.wait("views.update")[0].args["view"]
    assert update["callback_id"] == ids.RESEND_MODAL
    assert "pat@example.com (invited)" in visible_text(update)


def test_revoke_removes_the_open_invitation(stack, db):
    _invited(stack, "pat@example.com")
    text = visible_text(stack.command(ADMIN, "revoke pat@example.com").reply())
    assert "The invitation for pat@example.com was revoked" in text
    assert Invitation.get().status == "revoked"


def test_an_agent_cannot_revoke_someone_elses_invitation(stack, db):
    _invited(stack, "pat@example.com")
    text = visible_text(stack.command(AGENT, "revoke pat@example.com").reply())
    assert "Only team admins can revoke invitations sent by someone else" in text
    assert Invitation.get().status == "pending"


def test_suspend_with_a_note_then_reinstate(stack, db):
    _invited(stack, "pat@example.com")
    text = visible_text(stack.command(ADMIN, "suspend pat@example.com Account on hold: call 555-0100").reply())
    assert "pat@example.com is suspended" in text
    customer = Customer.get()
    assert (customer.suspended, customer.suspension_note) == (True, "Account on hold: call 555-0100")

    text = visible_text(stack.command(ADMIN, "reinstate pat@example.com").reply())
    assert "pat@example.com is reinstated" in text
    assert Customer.get().suspended is False


def test_suspend_without_a_note_opens_the_modal_with_the_address_filled_in(stack):
    stack.command(ADMIN, "suspend pat@example.com")
    view = _opened_view(stack, ids.SUSPEND_MODAL)["view"]
    email_input = next(b for b in view["blocks"] if b["block_id"] == ids.EMAIL)
    assert email_input["element"]["initial_value"] == "pat@example.com"


def test_suspend_alone_opens_the_modal(stack):
    stack.command(ADMIN, "suspend")
    assert _opened_view(stack, ids.SUSPEND_MODAL)
    stack.settle()
    assert stack.calls("views.update") == []  # an admin keeps the form


def test_admins_lists_slack_admins_and_the_apps_own_list(stack):
    text = visible_text(stack.command(AGENT, "admins").reply())
    assert "Workspace owners and admins: <@U0ADMIN>, <@U0ADMIN2>" in text
    assert "Added to invitebot: nobody yet" in text


def test_admins_add_and_remove_by_mention_change_who_counts_as_admin(stack, db):
    added = visible_text(stack.command(ADMIN, "admins add <@U0AGENT2|kim>").reply())
    assert "<@U0AGENT2> is now an invitebot admin" in added
    assert [a.user_id for a in AppAdmin.select()] == [AGENT2]
    assert "Added to invitebot: <@U0AGENT2>" in visible_text(stack.command(AGENT, "admins").reply())
    _invited(stack, "pat@example.com")
    assert "Sent a fresh link" in visible_text(stack.command(AGENT2, "resend all").reply())

    removed = visible_text(stack.command(ADMIN, "admins remove <@U0AGENT2|kim>").reply())
    assert "<@U0AGENT2> was removed" in removed
    assert "Only team admins" in visible_text(stack.command(AGENT2, "resend all").reply())


@pytest.mark.parametrize("text", ["admins add <@U0AGENT2|kim>", "admins remove <@U0ADMIN2|bea>"])
def test_an_agent_cannot_change_the_admin_list(stack, db, text):
    reply = visible_text(stack.command(AGENT, text).reply())
    assert "Only team admins can" in reply and "Ada Admin" in reply
    assert AppAdmin.select().count() == 0


def test_help_is_answered_in_the_ack_itself(stack):
    sent = stack.command(AGENT, "help")
    assert sent.status == 200
    answer = sent.json()
    assert answer["response_type"] == "ephemeral"
    assert "`/invite status [email]`" in answer["text"] and "`/invite admins" in answer["text"]
    # Slack reads < and > as the start and end of links and mentions: the usage must not contain any.
    assert "[account:&lt;no&gt;] [job:&lt;ref&gt;]" in answer["text"]
    assert "<" not in answer["text"] and ">" not in answer["text"]
    stack.settle()
    assert stack.calls("response_url") == []


@pytest.mark.parametrize("typed, method, callback_id", [
    ("bulk", "views.open", "bulk_modal"),
    ("access pat@example.com", "views.update", "access_modal"),
    ("templates", "views.update", "templates_modal"),
    ("settings", "views.update", "settings_modal"),
])
def test_admin_screens_open_as_modals_for_an_admin(stack, typed, method, callback_id):
    stack.command(ADMIN, "pat@example.com").reply()
    assert stack.command(ADMIN, typed).status == 200
    assert stack.wait(method, where=lambda c: c.args["view"]["callback_id"] == callback_id)
    stack.settle()
    assert stack.calls("views.update", lambda c: c.args["view"]["callback_id"] == "refused") == []


@pytest.mark.parametrize("typed, refusal", [
    ("bulk", "Only team admins can upload customers in bulk. Ask Ada Admin, Bea Admin."),
    ("access pat@example.com", "Only team admins can change customers' access. Ask Ada Admin, Bea Admin."),
    ("templates", "Only team admins can edit email templates. Ask Ada Admin, Bea Admin."),
    ("settings", "Only team admins can see and change the settings. Ask Ada Admin, Bea Admin."),
])
def test_admin_screens_opened_by_an_agent_show_a_refusal_naming_the_admins(stack, typed, refusal):
    stack.command(AGENT, typed)
    assert stack.wait("views.open")
    shown = stack.wait("views.update")[0].args["view"]
    assert refusal in visible_text(shown) and "submit" not in shown


@pytest.mark.parametrize("typed, answer", [
    ("uploads", "No uploads yet."),
    ("export", "I sent you the export (1 Invited customer(s)) by direct message."),
    ("export invited", "I sent you the export (1 Invited customer(s)) by direct message."),
    ("link", "New sign-up link"),
])
def test_admin_answers_for_an_admin_and_a_refusal_naming_the_admins_for_an_agent(stack, db, typed, answer):
    stack.command(ADMIN, "pat@example.com").reply()
    assert answer in visible_text(stack.command(ADMIN, typed).reply())
    refused = visible_text(stack.command(AGENT, typed).reply())
    assert "Only team admins can" in refused and "Ask Ada Admin, Bea Admin" in refused


def test_export_arrives_as_a_csv_file_in_the_admins_direct_messages(stack):
    stack.command(ADMIN, "pat@example.com").reply()
    stack.command(ADMIN, "export").reply()
    [opened] = stack.calls("conversations.open")
    assert opened.args["users"] == ADMIN
    [shared] = stack.calls("files.completeUploadExternal")
    assert shared.args["channel_id"] == "D0ADMIN"


def test_a_renamed_command_is_answered_and_its_help_uses_the_new_name(make_stack, db):
    with make_stack(INVITE_COMMAND="/portal-invite") as renamed:
        usage = renamed.command(AGENT, "help").json()["text"]
        assert "*/portal-invite*" in usage and "`/portal-invite status [email]`" in usage
        assert "`/invite" not in usage

        reply = renamed.command(ADMIN, "pat@example.com").reply()
        assert "Invitation sent to pat@example.com" in visible_text(reply)
        confused = renamed.command(AGENT, "frobnicate").json()["text"]
        assert "`frobnicate` is not something I know" in confused and "`/portal-invite list" in confused
        renamed.settle()


def test_replies_under_a_renamed_command_tell_people_the_name_they_type(make_stack, db):
    """Every hint names the command as people type it (INVITE_COMMAND), never the default `/invite`."""
    def says(text: str, hint: str) -> None:
        assert hint in text, text
        assert "`/invite" not in text, text

    with make_stack(INVITE_COMMAND="/portal-invite") as renamed:
        sent = visible_text(renamed.command(ADMIN, "pat@example.com").reply())
        says(sent, "`/portal-invite status pat@example.com`")
        again = visible_text(renamed.command(ADMIN, "pat@example.com").reply())
        says(again, "`/portal-invite resend pat@example.com`")

        revoked = visible_text(renamed.command(ADMIN, "revoke pat@example.com").reply())
        says(revoked, "`/portal-invite pat@example.com`")
        resend_revoked = visible_text(renamed.command(ADMIN, "resend pat@example.com").reply())
        says(resend_revoked, "has no open invitation to resend")
        says(resend_revoked, "`/portal-invite pat@example.com`")

        suspended = visible_text(renamed.command(ADMIN, "suspend pat@example.com On hold").reply())
        says(suspended, "`/portal-invite reinstate pat@example.com`")
        refused = visible_text(renamed.command(ADMIN, "pat@example.com").reply())
        says(refused, "is suspended, so nothing was sent")
        says(refused, "`/portal-invite reinstate pat@example.com`")

        unknown = visible_text(renamed.command(AGENT, "status nobody@example.com").reply())
        says(unknown, "There is no invitation for nobody@example.com")
        says(unknown, "`/portal-invite nobody@example.com`")
        inline = renamed.submit(AGENT, ids.STATUS_MODAL, {ids.EMAIL: "nobody@example.com"}).json()
        says(inline["errors"][ids.EMAIL], "`/portal-invite nobody@example.com`")

        garbled = renamed.click(ADMIN, ids.RESEND, "{}", channel=CHANNEL, message_ts="1.1")
        says(visible_text(garbled.reply()), "`/portal-invite list`")
        says(visible_text(renamed.command(ADMIN, "uploads").reply()), "`/portal-invite bulk`")

        renamed.event({"type": "app_home_opened", "user": AGENT2, "channel": "D0HOME", "tab": "home"})
        home = renamed.wait("views.publish", where=lambda c: c.args["user_id"] == AGENT2)[0].args["view"]
        says(visible_text(home), "`/portal-invite customer@example.com`")
        renamed.settle()
