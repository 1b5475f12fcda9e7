"""manifest.yml is a valid Slack app manifest for exactly the handlers and Web API calls the code has."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from bot.manifest import manifest, render

from slack.conftest import AGENT

ROOT = Path(__file__).resolve().parents[2]
INVITEBOT = Path(sys.executable).with_name("invitebot")
# The bot scope each Web API method needs (docs.slack.dev/reference/methods); None: no scope needed.
SCOPE_OF = {
    "auth_test": None, "views_open": None, "views_update": None, "views_push": None, "views_publish": None,
    "chat_postMessage": "chat:write", "chat_postEphemeral": "chat:write", "chat_update": "chat:write",
    "chat_delete": "chat:write", "users_info": "users:read", "users_list": "users:read",
    "conversations_open": "im:write", "files_upload_v2": "files:write", "files_info": "files:read",
}
API_CALL = re.compile(r"\.((?:auth|views|chat|users|conversations|files|reactions|team|usergroups|pins|"
                      r"bookmarks|reminders|dnd|emoji|search|bots|apps)_\w+)\(")


def _committed() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def _scopes_the_code_needs() -> set[str]:
    needed = {"commands"}  # the slash command itself
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("jobs/**/*.py")]:
        if "localslack" in path.parts:
            continue
        source = path.read_text()
        for method in API_CALL.findall(source):
            assert method in SCOPE_OF, f"{path.relative_to(ROOT)} calls {method}: add its scope to SCOPE_OF"
            if SCOPE_OF[method]:
                needed.add(SCOPE_OF[method])
        if "url_private" in source:  # downloading a file someone shared needs files:read
            needed.add("files:read")
    return needed


def test_manifest_yml_parses_and_points_every_request_url_at_slack_events():
    m = _committed()
    [command] = m["features"]["slash_commands"]
    settings = m["settings"]
    for url in (command["url"], settings["interactivity"]["request_url"],
                settings["event_subscriptions"]["request_url"]):
        assert url.startswith("https://") and url.endswith("/slack/events")
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False
    assert m["features"]["app_home"]["home_tab_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert len(m["display_information"]["name"]) <= 35
    assert len(command["description"]) <= 2000 and len(command["usage_hint"]) <= 1000


def test_the_bot_scopes_are_exactly_the_ones_the_code_uses():
    scopes = _committed()["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes))
    assert set(scopes) == _scopes_the_code_needs()


def test_mentions_reach_the_app_as_user_ids():
    # `admins add @person` reads <@U…|name>; without escaping Slack sends the plain text "@person".
    assert _committed()["features"]["slash_commands"][0]["should_escape"] is True


def test_manifest_yml_is_what_the_generator_writes_for_its_url():
    text = (ROOT / "manifest.yml").read_text()
    url = re.search(r"manifest for (\S+)", text).group(1)
    assert render(url) == text


def test_the_committed_command_and_event_are_what_the_running_app_answers(stack):
    m = _committed()
    command = m["features"]["slash_commands"][0]["command"]
    assert command == stack.config.invite_command
    assert stack.command(AGENT, "help", command=command).status == 200
    for event in m["settings"]["event_subscriptions"]["bot_events"]:
        assert stack.event({"type": event, "user": AGENT, "tab": "home"}).status == 200
    assert stack.wait("views.publish")


def test_a_manifest_for_another_command_name_matches_an_app_running_under_that_name(make_stack, db):
    m = manifest("https://h.example.com/", "/x")
    [command] = m["features"]["slash_commands"]
    assert command["command"] == "/x" and command["url"] == "https://h.example.com/slack/events"
    with make_stack(INVITE_COMMAND="/x") as renamed:
        answered = renamed.command(AGENT, "help", command="/x")
        assert answered.status == 200 and "`/x status [email]`" in answered.json()["text"]
        assert renamed.command(AGENT, "help", command="/invite").status == 404
        renamed.settle()


def test_invitebot_manifest_prints_it_with_the_configured_command_name():
    env = {**os.environ, "INVITE_COMMAND": "/portal-invite"}
    done = subprocess.run([str(INVITEBOT), "manifest", "--url", "https://h.example.com"],
                          capture_output=True, text=True, env=env, timeout=60, check=True)
    printed = yaml.safe_load(done.stdout)
    [command] = printed["features"]["slash_commands"]
    assert command["command"] == "/portal-invite"
    assert command["url"] == printed["settings"]["interactivity"]["request_url"] == \
        printed["settings"]["event_subscriptions"]["request_url"] == "https://h.example.com/slack/events"
    assert printed["oauth_config"] == _committed()["oauth_config"]
    assert "INVITE_COMMAND=/yourname invitebot manifest --url" in done.stdout


def test_invitebot_manifest_refuses_a_url_slack_cannot_call():
    done = subprocess.run([str(INVITEBOT), "manifest", "--url", "h.example.com"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "--url must start with https://" in done.stderr
    assert "Traceback" not in done.stderr
