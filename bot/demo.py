"""`invitebot demo`: the whole story through the real app, the local Slack stand-in and a local SMTP sink."""
from __future__ import annotations

import re
import secrets
import tempfile
import textwrap
import time
from pathlib import Path

from bot.browser import Browser
from bot.config import Config
from bot.localslack import BOT_TOKEN, LocalSlack, SlackSim
from bot.localsmtp import SmtpSink, free_port
from bot.server import ThreadServer
from storage import schema
from storage.db import open_database

TEAM = "T0DEMO"
ADMIN, AGENT = "U0ADA", "U0SAM"
NAMES = {ADMIN: "Ada (admin)", AGENT: "Sam (agent)"}
CUSTOMER = "pat.customer@example.com"
PASSWORD = "blue-harbour-42"


def _plain(text: str) -> str:
    """Slack mrkdwn as a person reads it."""
    text = re.sub(r"<!date\^\d+\^[^|]*\|([^>]*)>", r"\1", text or "")
    text = re.sub(r"<@(\w+)>", lambda m: "@" + NAMES.get(m.group(1), m.group(1)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("*", "")


def show(who: str, text: str) -> None:
    lines = [part for para in _plain(text).splitlines() for part in (textwrap.wrap(para, 86) or [""])]
    for i, line in enumerate(lines or [""]):
        print(f"{who if i == 0 else '':>13} │ {line}")


def show_message(who: str, message: dict) -> None:
    texts, buttons = [], []
    for block in message.get("blocks") or []:
        if block.get("type") == "section":
            texts.append(block["text"]["text"])
        elif block.get("type") == "context":
            texts += [e.get("text", "") for e in block["elements"]]
        elif block.get("type") == "actions":
            buttons += [f"[{e['text']['text']}]" for e in block["elements"]]
    show(who, "\n".join(texts) or message.get("text", ""))
    if buttons:
        show("", " ".join(buttons))


def step(title: str) -> None:
    print(f"\n── {title} " + "─" * max(0, 86 - len(title)))


def run(keep: bool = False) -> int:
    from bot.web import create_app
    from bot.runtime import scheduler as job_scheduler

    workdir = Path(tempfile.mkdtemp(prefix="invitebot-demo-"))
    db_url = f"sqlite:///{workdir / 'demo.db'}"
    open_database(db_url)
    schema.upgrade()
    from commands.clock import clock
    from storage.models import Workspace
    Workspace.for_team(TEAM, clock.now(), name="Acme Lighting")
    secret = secrets.token_hex(16)  # made up per run: no secret lives in the repo

    with LocalSlack(TEAM) as slack, SmtpSink() as sink:
        slack.add_user(ADMIN, NAMES[ADMIN], admin=True)
        slack.add_user(AGENT, NAMES[AGENT])
        port = free_port()
        config = Config.from_env({
            "DATABASE_URL": db_url, "SMTP_URL": sink.url, "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SLACK_SIGNING_SECRET": secret, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.api_url})
        scheduler = job_scheduler(config)
        with ThreadServer(create_app(config), port=port) as server:
            scheduler.start()
            try:
                ok = _story(server, slack, sink, SlackSim(server.url, secret, slack))
                if keep:
                    print(f"\nStill running (Ctrl-C to stop):\n  customer pages  {server.url}/login\n"
                          f"  Slack endpoint  {server.url}/slack/events\n  Slack stand-in  {slack.url}\n"
                          f"  SMTP sink       {sink.url}\n  database        {workdir / 'demo.db'}")
                    try:
                        while True:
                            time.sleep(3600)
                    except KeyboardInterrupt:
                        pass
            finally:
                scheduler.shutdown(wait=False)
    print(f"\nDemo {'finished: every step worked' if ok else 'FAILED: see above'}.")
    return 0 if ok else 1


def _story(server, slack: LocalSlack, sink: SmtpSink, sim: SlackSim) -> bool:
    print(f"invitebot demo — app {server.url}, Slack stand-in {slack.url}, SMTP sink {sink.url}")

    step("Sam, an agent, invites a customer")
    show("Sam types", f"/invite {CUSTOMER} Pat Customer account:ACME-001 job:JOB-7")
    sim.command(AGENT, f"{CUSTOMER} Pat Customer account:ACME-001 job:JOB-7", channel="C0SALES")
    show_message("Sam sees", slack.wait_for("response_url")[-1].args)
    request = slack.wait_for("chat.postMessage")[-1]
    show_message("#sales", request.args)
    approve = next(e for b in request.args["blocks"] if b["type"] == "actions" for e in b["elements"]
                   if e["action_id"] == "invitation_approve")

    step("Sam clicks Approve: only admins may")
    sim.click(AGENT, approve["action_id"], approve["value"], channel="C0SALES", message_ts="1.0")
    show_message("Sam sees", slack.wait_for("response_url", 2)[-1].args)

    step("Ada, an admin, approves")
    sim.click(ADMIN, approve["action_id"], approve["value"], channel="C0SALES", message_ts="1.0")
    show_message("#sales", slack.wait_for("chat.update")[-1].args)
    show_message("DM to Sam", slack.wait_for("chat.postMessage", 2)[-1].args)

    step("The invitation email arrives (delivered by the outbox job)")
    mail = sink.wait_for(1, timeout=20)
    if not mail:
        show("mail", "No email arrived.")
        return False
    mail = mail[-1]
    show("mail", f"To: {mail['To']}\nSubject: {mail['Subject']}")
    link = re.search(r"(http://\S+/i/\S+)", mail.get_body(("plain",)).get_content()).group(1)
    show("mail", "The link: " + link.split("/i/")[0] + "/i/…(a single-use token)")

    step("Pat opens the link and sets a password")
    browser = Browser()
    page = browser.get(link)
    show("Pat sees", f"{page.status} “{page.title}”")
    page = browser.submit(link, {"name": "Pat Customer", "password": PASSWORD, "password2": PASSWORD})
    show("Pat sees", f"{page.status} “{page.title}”: {page.text}")
    registered = page.status == 200

    step("Anyone checks the status")
    show("Sam types", f"/invite status {CUSTOMER}")
    sim.command(AGENT, f"status {CUSTOMER}", channel="C0SALES")
    status = slack.wait_for("response_url", 3)[-1].args
    show_message("Sam sees", status)
    enrolled = "Enrolled" in status.get("text", "")

    step("Ada suspends Pat with a note")
    show("Ada types", f"/invite suspend {CUSTOMER} Invoices overdue: please call accounts on 555-0100")
    sim.command(ADMIN, f"suspend {CUSTOMER} Invoices overdue: please call accounts on 555-0100")
    show_message("Ada sees", slack.wait_for("response_url", 4)[-1].args)

    step("Pat tries to log in")
    page = Browser().submit(f"{server.url}/login", {"email": CUSTOMER, "password": PASSWORD})
    show("Pat sees", f"{page.status} “{page.title}”: {page.text}")
    note_shown = "555-0100" in page.text
    return registered and enrolled and note_shown and _signup_story(server, slack, sink, sim)


def _signup_story(server, slack: LocalSlack, sink: SmtpSink, sim: SlackSim) -> bool:
    step("Ada shares a sign-up link (R14)")
    show("Ada types", "/invite link")
    sim.command(ADMIN, "link")
    reply = slack.wait_for("response_url", 5)[-1].args
    show_message("Ada sees", reply)
    join = re.search(r"(http://\S+/join/[\w-]+)", reply["blocks"][0]["text"]["text"]).group(1)

    step("Robin signs up through the link")
    browser = Browser()
    page = browser.get(join)
    show("Robin sees", f"{page.status} “{page.title}”")
    time.sleep(2.1)  # the sign-up form refuses answers faster than a person types
    page = browser.post(join, {**page.hidden_fields, "name": "Robin Reyes", "email": "robin@example.com",
                               "account": "ACME-002"})
    show("Robin sees", f"{page.status} “{page.title}”: {page.text}")
    mail = sink.wait_for(2, timeout=20)
    if len(mail) < 2:
        show("mail", "No confirmation email arrived.")
        return False
    show("mail", f"To: {mail[-1]['To']}\nSubject: {mail[-1]['Subject']}")
    link = re.search(r"(http://\S+/i/\S+)", mail[-1].get_body(("plain",)).get_content()).group(1)
    page = browser.submit(link, {"name": "Robin Reyes", "password": "quiet-meadow-77", "password2": "quiet-meadow-77"})
    show("Robin sees", f"{page.status} “{page.title}”")
    sim.command(ADMIN, "status robin@example.com")
    status = slack.wait_for("response_url", 6)[-1].args
    show_message("Ada sees", status)
    return page.status == 200 and "Enrolled" in status.get("text", "")
