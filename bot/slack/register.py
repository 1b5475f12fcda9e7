"""The one place that wires listeners to the Bolt app."""
from __future__ import annotations

import re

from bot.slack import ids
from bot.slack.listeners import admin, buttons, files, home, slash, submissions
from bot.slack.turn import run_turn


def _ack(ack):
    ack()


def register(app, directory, config) -> None:
    def lazy(fn):
        return [run_turn(fn, directory, config)]

    app.command(config.invite_command)(ack=slash.ack_command(config), lazy=lazy(slash.slash))

    app.action(ids.APPROVE)(ack=_ack, lazy=lazy(buttons.approve))
    app.action(ids.DENY)(ack=_ack, lazy=lazy(buttons.deny))
    app.action(ids.RESEND)(ack=_ack, lazy=lazy(buttons.resend))
    app.action(ids.REVOKE)(ack=_ack, lazy=lazy(buttons.revoke))
    app.action(ids.STATUS)(ack=_ack, lazy=lazy(buttons.status))
    app.action(re.compile(f"^{ids.LIST_PAGE}"))(ack=_ack, lazy=lazy(buttons.list_page))

    app.view(ids.INVITE_MODAL)(ack=submissions.ack_invite, lazy=lazy(submissions.invite))
    app.view(ids.STATUS_MODAL)(submissions.ack_status(config.invite_command))
    app.view(ids.RESEND_MODAL)(ack=_ack, lazy=lazy(submissions.resend))
    app.view(ids.SUSPEND_MODAL)(ack=submissions.ack_suspend, lazy=lazy(submissions.suspend))
    app.view(ids.DENY_MODAL)(ack=submissions.ack_deny, lazy=lazy(submissions.deny))

    app.view(ids.BULK_MODAL)(ack=files.ack_bulk, lazy=lazy(files.bulk_upload))
    app.action(ids.UPLOAD_FAILED_ROWS)(ack=_ack, lazy=lazy(files.failed_rows))

    app.action(ids.LINK_NEW)(ack=_ack, lazy=lazy(admin.link_new))
    app.action(ids.LINK_DISABLE)(ack=_ack, lazy=lazy(admin.link_disable))
    app.action(ids.TEMPLATE_KIND)(ack=_ack, lazy=lazy(admin.template_kind))
    app.action(ids.TEMPLATE_PREVIEW)(ack=_ack, lazy=lazy(admin.template_preview))
    app.action(ids.TEMPLATE_RESET)(ack=_ack, lazy=lazy(admin.template_reset))
    app.view(ids.TEMPLATES_MODAL)(ack=admin.ack_templates(directory), lazy=lazy(admin.save_templates))
    app.view(ids.ACCESS_MODAL)(ack=_ack, lazy=lazy(admin.save_access))
    app.view(ids.SETTINGS_MODAL)(ack=admin.ack_settings(directory), lazy=lazy(admin.save_settings))

    app.event("app_home_opened")(ack=_ack, lazy=lazy(home.home_opened))
