"""Guessing invitation links: 10,000 random tokens over HTTP find nothing and change nothing, the
shipped rate limit stops one address long before that, and a dead link's page says what happened to
the link without saying whose it was."""
from __future__ import annotations

import random
import secrets
import string
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bot.browser import Page
from bot.config import Config
from bot.server import ThreadServer
from commands import enrolment, invitations, resends
from storage.models import Customer, Event, Invitation

from support import PASSWORD, branded_workspace, counts, queued_token

GUESSES = 10_000
REAL = ["ana@example.com", "ben@example.com", "cy@example.com"]


@pytest.fixture(autouse=True)
def workspace(db):
    return branded_workspace()


def _site(db_url: str, **limits):
    from bot.web import create_app
    app = create_app(Config.from_env({"DATABASE_URL": db_url, "SLACK_SIGNING_SECRET": "test-signing-secret"}),
                     **limits)
    return ThreadServer(app)


@pytest.fixture
def open_site(db_url):
    """The app with rate limits out of the way, so that every guess reaches the lookup."""
    with _site(db_url, LINK_RATE_LIMIT="100000 per minute") as server:
        yield server


@pytest.fixture
def strict_site(db_url):
    with _site(db_url) as server:  # the shipped limits
        yield server


def random_tokens(count: int) -> list[str]:
    """Mostly the shape of a real token (43 URL-safe characters); some shorter, longer or odd."""
    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + "-_"
    tokens = []
    for n in range(count):
        if n % 4:
            tokens.append(secrets.token_urlsafe(32))
        else:
            tokens.append("".join(rng.choice(alphabet) for _ in range(rng.choice((1, 20, 42, 44, 64, 200)))))
    return tokens


def _state() -> dict:
    return {**counts(), "opened": Event.select().where(Event.kind == "opened").count(),
            "enrolled": Customer.select().where(Customer.enrolled_at.is_null(False)).count(),
            "statuses": sorted(i.status for i in Invitation.select())}


def test_ten_thousand_random_tokens_are_all_refused_and_change_nothing(open_site, admin):
    real = {}
    for email in REAL:
        invitations.invite(admin, email)
        real[email] = queued_token(email)
    before = _state()
    base = open_site.url
    guesses = random_tokens(GUESSES)
    assert not set(guesses) & set(real.values())

    session = requests.Session()
    csrf = Page(200, session.get(f"{base}/login").text).csrf_token
    unknown_page = session.get(f"{base}/i/{'A' * 43}").text

    def guess(numbered):
        n, token = numbered
        if n % 2:  # half try to set a password with a valid form, half just open the link
            answer = session.post(f"{base}/i/{token}", data={"csrf_token": csrf, "name": "Mallory",
                                                              "password": PASSWORD, "password2": PASSWORD})
        else:
            answer = session.get(f"{base}/i/{token}")
        return answer.status_code, answer.text

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(guess, enumerate(guesses)))

    assert {status for status, _ in answers} == {410}
    assert {text for _, text in answers} == {unknown_page}, "every guess got the same 'not valid' page"
    assert Page(410, unknown_page).title == "This link is not valid"
    assert _state() == before, "no guess opened, used or changed anything"
    for email, token in real.items():  # the real links still work
        assert Page(200, session.get(f"{base}/i/{token}").text).title == "Set up your account"


def test_one_address_guessing_is_stopped_by_the_shipped_rate_limit(strict_site, admin):
    invitations.invite(admin, REAL[0])
    real = queued_token(REAL[0])
    guesser = requests.Session()
    opened = [guesser.get(f"{strict_site.url}/i/{token}").status_code for token in random_tokens(40)]
    assert opened == [410] * 30 + [429] * 10
    csrf = Page(200, guesser.get(f"{strict_site.url}/login").text).csrf_token
    posted = [guesser.post(f"{strict_site.url}/i/{token}", data={"csrf_token": csrf, "name": "M",
                                                                 "password": PASSWORD, "password2": PASSWORD}
                           ).status_code for token in random_tokens(40)]
    assert posted == [410] * 30 + [429] * 10
    # Once limited, even a right guess learns nothing: the answer is the same "too many" page.
    blocked = Page(*(lambda r: (r.status_code, r.text))(guesser.get(f"{strict_site.url}/i/{real}")))
    assert (blocked.status, blocked.title) == (429, "Too many attempts")
    assert Invitation.get().opened_at is None


def _dead_links(admin, clock) -> dict[str, list[str]]:
    """Two links in each dead state, for customers with different names, accounts and addresses."""
    links: dict[str, list[str]] = {}

    def invite(email: str, name: str, account: str) -> str:
        invitations.invite(admin, email, name=name, account=account)
        return queued_token(email)

    pairs = [("expired", "old"), ("used", "done"), ("revoked", "gone"), ("replaced", "again")]
    made = {state: [invite(f"{prefix}{n}@example.com", f"Person{prefix.title()}{n}", f"ACC-{prefix}-{n}")
                    for n in (1, 2)] for state, prefix in pairs}
    clock.advance(days=30)  # the first pair's links expire; the others are made fresh below
    links["expired"] = made["expired"]
    for state, prefix in pairs[1:]:
        for n in (1, 2):
            email = f"{prefix}{n}@example.com"
            resends.resend(admin, email)
            token = queued_token(email)
            if state == "used":
                enrolment.accept(token, f"Person{n}", PASSWORD, PASSWORD)
            elif state == "revoked":
                resends.revoke(admin, email)
            else:
                resends.resend(admin, email)  # `token` is now replaced by a newer link
            links.setdefault(state, []).append(token)
    return links


def test_dead_links_answer_alike_whoever_they_belonged_to(open_site, admin, clock):
    links = _dead_links(admin, clock)
    titles = {"expired": "This invitation has expired", "used": "This invitation was already used",
              "revoked": "This invitation was withdrawn", "replaced": "A newer invitation was sent"}
    people = [c for c in Customer.select()]
    for state, (first, second) in links.items():
        a, b = (requests.get(f"{open_site.url}/i/{token}") for token in (first, second))
        assert (a.status_code, b.status_code) == (410, 410)
        assert a.text == b.text, f"the {state} page is the same for both customers"
        assert Page(410, a.text).title == titles[state]
        for person in people:
            for detail in (person.email, person.name, person.account_number):
                assert not detail or detail not in a.text, (state, detail)
    unknown = {requests.get(f"{open_site.url}/i/{token}").text for token in random_tokens(20)}
    assert len(unknown) == 1, "every unknown token gets one and the same page"
    assert "Acme" not in unknown.pop(), "an unknown link does not even say which company it is for"
