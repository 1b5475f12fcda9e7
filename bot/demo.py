"""`invitebot demo`: the invitation lifecycle on a local SQLite file and a local SMTP sink."""
from __future__ import annotations

import re
import tempfile
import textwrap
import time
from pathlib import Path

from bot.browser import Browser
from bot.config import Config
from bot.localsmtp import SmtpSink
from bot.server import ThreadServer
from storage import schema
from storage.db import open_database

TEAM = "T0DEMO"


def say(who: str, text: str) -> None:
    lines = [part for para in text.splitlines() for part in (textwrap.wrap(para, 88) or [""])] or [""]
    print(f"{who:>10} │ {lines[0]}")
    for line in lines[1:]:
        print(f"{'':>10} │ {line}")


def step(title: str) -> None:
    print(f"\n── {title} " + "─" * max(0, 76 - len(title)))


def run(keep: bool = False) -> int:
    from bot.web import create_app
    from commands import customers, enrolment, invitations
    from commands.actor import Actor
    from jobs.delivery import deliver_pending
    from jobs.mailer import SmtpTransport

    workdir = Path(tempfile.mkdtemp(prefix="invitebot-demo-"))
    db_url = f"sqlite:///{workdir / 'demo.db'}"
    open_database(db_url)
    schema.upgrade()
    admin = Actor(TEAM, "U0ADMIN", "Ada (admin)", is_admin=True)
    agent = Actor(TEAM, "U0AGENT", "Sam (agent)", is_admin=False, admin_names=("Ada (admin)",))

    with SmtpSink() as sink:
        config = Config.from_env({"DATABASE_URL": db_url, "SMTP_URL": sink.url,
                                  "SLACK_SIGNING_SECRET": "demo-only-secret"})
        app = create_app(config)
        with ThreadServer(app) as server:
            config = Config.from_env({"DATABASE_URL": db_url, "SMTP_URL": sink.url,
                                      "PUBLIC_URL": server.url})
            transport = SmtpTransport(sink.url)
            print(f"invitebot demo: database {workdir / 'demo.db'}, pages at {server.url}, "
                  f"SMTP sink at {sink.url}")

            step("An agent invites a customer")
            outcome = invitations.invite(agent, "pat.customer@example.com", name="Pat Customer",
                                         account="ACME-001", job="JOB-7")
            say("Sam", "/invite pat.customer@example.com Pat Customer account:ACME-001 job:JOB-7")
            say("invitebot", outcome.message)

            step("The agent cannot approve; an admin approves")
            try:
                invitations.approve(agent, outcome.invitation.id)
            except Exception as exc:  # the refusal the agent sees
                say("invitebot", getattr(exc, "message", str(exc)))
            approved = invitations.approve(admin, outcome.invitation.id)
            say("invitebot", approved.message)

            step("The email goes out")
            report = deliver_pending(transport, config.public_url, config.mail_from)
            mail = sink.wait_for(1)[-1]
            say("mail", f"To: {mail['To']}  Subject: {mail['Subject']}  ({report.sent} delivered)")
            link = re.search(r"(http://\S+/i/\S+)", mail.get_body(("plain",)).get_content()).group(1)
            say("mail", "The email carries a single-use link to the branded page.")

            step("The customer opens the link and registers")
            browser = Browser()
            page = browser.get(link)
            say("customer", f"GET the link → {page.status} “{page.title}”")
            page = browser.submit(link, {"name": "Pat Customer", "password": "blue-harbour-42",
                                         "password2": "blue-harbour-42"})
            say("customer", f"POST name and password → {page.status} “{page.title}”")
            page = browser.get(link)
            say("customer", f"Opening the link again → {page.status} “{page.title}”")

            step("Anyone checks the status")
            say("Sam", "/invite status pat.customer@example.com")
            say("invitebot", customers.status(agent, "pat.customer@example.com").message)

            step("An admin suspends the customer with a note")
            say("Ada", "/invite suspend pat.customer@example.com Invoices overdue: call 555-0100")
            say("invitebot", customers.suspend(admin, "pat.customer@example.com",
                                               "Invoices overdue: call 555-0100").message)
            page = Browser().submit(f"{server.url}/login", {"email": "pat.customer@example.com",
                                                           "password": "blue-harbour-42"})
            say("customer", f"Logs in → {page.status} “{page.title}”: {page.text}")

            step("Reinstated, the customer logs in again")
            say("invitebot", customers.reinstate(admin, "pat.customer@example.com").message)
            page = Browser().submit(f"{server.url}/login", {"email": "pat.customer@example.com",
                                                           "password": "blue-harbour-42"})
            say("customer", f"Logs in → {page.status} “{page.title}”: {page.text}")
            ok = page.status == 200 and enrolment is not None
            print(f"\nDemo finished: {'all steps worked' if ok else 'something went wrong'}.")
            if keep:
                print(f"Still running. Open {server.url}/login in a browser; Ctrl-C to stop.")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
            return 0 if ok else 1
