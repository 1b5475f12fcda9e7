"""No enumeration on the public forms: the /join/ link and the /signup/ page answer every address
with the same status and the same bytes (once the per-request CSRF and form tokens are blanked out),
whether the address is new, enrolled here, enrolled in another workspace, invited, waiting for
approval or suspended. What differs is only what arrives in that address's own inbox.

This is why link sign-ups are "enrolled after confirming the email": the page can always say
"check your email", and only the owner of the address learns what happened."""
from __future__ import annotations

import pytest

from commands.clock import clock

from signup.conftest import (ADMIN, AGENT, BRAND, OTHER_BRAND, OTHER_TEAM, link_in, text_part, visible_text,
                             without_tokens)

STATES = ("new", "enrolled", "enrolled-elsewhere", "invited", "awaiting-approval", "suspended")


def _enrol(site, url: str, email: str) -> None:
    site.sign_up(url, email, name="Known Person")
    site.set_password(link_in(site.only_mail_to(email)), name="Known Person")


def _people_in_every_state(site) -> dict[str, str]:
    """One address per state, in the Acme workspace (and one enrolled only with Borealis)."""
    acme, borealis = site.new_link(), site.new_link(team=OTHER_TEAM)
    _enrol(site, acme, "enrolled@example.com")
    _enrol(site, borealis, "elsewhere@example.com")
    _enrol(site, acme, "suspended@example.com")
    assert "is suspended" in visible_text(site.command(ADMIN, "suspend suspended@example.com Account on hold"))
    assert "Invitation sent" in visible_text(site.command(ADMIN, "invited@example.com"))
    assert "waiting for an admin's approval" in visible_text(site.command(AGENT, "waiting@example.com"))
    site.settle()
    site.deliver()
    with site.smtp.lock:
        site.smtp.messages.clear()
    clock.advance(hours=1, minutes=1)  # past the forms' one email an hour for the addresses enrolled above
    return {"new": "new@example.com", "enrolled": "enrolled@example.com",
            "enrolled-elsewhere": "elsewhere@example.com", "invited": "invited@example.com",
            "awaiting-approval": "waiting@example.com", "suspended": "suspended@example.com"}


def _page(site, kind: str) -> str:
    return site.new_link() if kind == "join" else site.signup_page()


@pytest.mark.parametrize("kind", ["join", "signup"])
def test_the_answer_is_byte_for_byte_the_same_for_every_kind_of_address(site, kind):
    people = _people_in_every_state(site)
    url = _page(site, kind)
    answers = {state: site.sign_up(url, address, name="Someone") for state, address in people.items()}
    answers["enrolled, typed in capitals"] = site.sign_up(url, "ENROLLED@Example.COM", name="Someone")
    reference = answers["new"]
    assert (reference.status, reference.title) == (200, "Thank you — check your email")
    assert "@example.com" not in reference.body.lower()  # the answer never repeats an address
    for state, answer in answers.items():
        assert answer.status == reference.status, state
        assert without_tokens(answer.body) == without_tokens(reference.body), state


@pytest.mark.parametrize("kind", ["join", "signup"])
def test_a_refused_form_reads_the_same_whether_or_not_the_address_is_known(site, kind):
    people = _people_in_every_state(site)
    url = _page(site, kind)
    bodies = set()
    for address in people.values():
        answer = site.sign_up(url, address, name="N" * 101)  # a name that is too long
        assert answer.status == 422 and "too long" in answer.text
        bodies.add(without_tokens(answer.body).replace(address, "ADDRESS"))
    assert len(bodies) == 1


def test_what_happened_reaches_only_the_owner_of_the_address_through_the_link(site):
    people = _people_in_every_state(site)
    url = site.new_link()
    for address in people.values():
        site.sign_up(url, address, name="Someone")
    site.deliver()
    subjects = {state: [m["Subject"] for m in site.mails_to(address)] for state, address in people.items()}
    assert subjects == {
        "new": [f"Finish signing up to the {BRAND} customer portal"],
        "enrolled": [f"You already have a {BRAND} portal account"],
        "enrolled-elsewhere": [f"{BRAND} added you to its customer portal"],  # R3: the welcome email
        "invited": [f"You already have an invitation from {BRAND}"],  # its link stays the one to use
        "awaiting-approval": [],  # still up to the admins
        "suspended": [],
    }
    already = site.mails_to("enrolled@example.com")[0]
    assert "You already have an account, so there is nothing to do" in text_part(already)
    assert f"{site.url}/login" in text_part(already)
    assert OTHER_BRAND not in text_part(site.mails_to("elsewhere@example.com")[0])


def test_self_sign_ups_of_known_addresses_are_not_posted_as_new_requests(site):
    people = _people_in_every_state(site)
    url = site.signup_page()
    site.slack.reset_calls()
    for address in people.values():
        site.sign_up(url, address, name="Someone")
    site.announce()
    posted = " ".join(c.args.get("text") or "" for c in site.slack.calls_to("chat.postMessage"))
    assert "new@example.com" in posted and "elsewhere@example.com" in posted
    for state in ("enrolled", "invited", "awaiting-approval", "suspended"):
        assert people[state] not in posted, state
    site.deliver()
    assert [m["Subject"] for m in site.mails_to("enrolled@example.com")] == [
        f"You already have a {BRAND} portal account"]

