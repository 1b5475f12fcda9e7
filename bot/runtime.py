"""Wiring the timed jobs to Slack and email for `serve`, `scheduler` and the demo."""
from __future__ import annotations

from bot.config import Config
from jobs.mailer import transport_from_url
from jobs.scheduler import Wiring, build


def job_wiring(config: Config) -> Wiring:
    from bot.slack.app import web_client
    from bot.slack.notices import SlackNotices
    return Wiring(notices=SlackNotices(web_client(config), command=config.invite_command),
                  transport=lambda: transport_from_url(config.smtp_url, config.outbox_dir),
                  public_url=config.public_url, mail_from=config.mail_from)


def scheduler(config: Config, *, blocking: bool = False):
    return build(job_wiring(config), blocking=blocking)
