"""The `invitebot` command line."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.config import Config
from storage import schema
from storage.db import database, is_sqlite, open_database


def _setup_logging() -> None:
    from bot import logs
    logs.setup()


def _open(config: Config) -> None:
    try:
        open_database(config.database_url)
        database.connect(reuse_if_open=True)
    except Exception as exc:  # a bad URL or an unreachable server: one clear line
        raise click.ClickException(f"Cannot open the database at DATABASE_URL ({exc}). "
                                   "Check the URL (peewee db_url form, e.g. "
                                   "postgresql://user@host:5432/db) and that the server is running.")


def _ensure_schema(config: Config) -> None:
    """SQLite (the embedded default) is upgraded in place; other databases must be upgraded on purpose."""
    if is_sqlite():
        applied = schema.upgrade()
        if applied:
            click.echo(f"Upgraded the SQLite schema: {', '.join(applied)}", err=True)
        return
    try:
        schema.require_current()
    except schema.SchemaOutdated as exc:
        raise click.ClickException(str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """invitebot: invite customers to your customer portal from Slack."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Web worker processes. With more than one, run `invitebot scheduler` separately.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the Slack endpoint and the customer pages with gunicorn."""
    _setup_logging()
    config = Config.from_env()
    config.require("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN")
    config.check_ratelimit_storage()  # here, once, rather than in every worker as it starts
    _open(config)
    _ensure_schema(config)
    database.close()  # workers open their own connections
    from bot.slack.app import installed_team, web_client
    installed_team(web_client(config), config)  # a revoked token or no Slack: one line, nothing started

    from bot.server import serve_gunicorn
    from bot.web import create_app

    def in_worker(worker):
        """The jobs run inside the single worker process (started after the fork, never before)."""
        from bot.runtime import scheduler as job_scheduler
        job_scheduler(config).start()
        worker.log.info("scheduler running inside serve (single worker)")

    if workers > 1:
        click.echo(f"{workers} workers: the timed jobs do not run here; run `invitebot scheduler` "
                   "as its own process.", err=True)
    serve_gunicorn(lambda: create_app(config), host, port, workers,
                   post_worker_init=in_worker if workers == 1 else None)


@main.command()
def scheduler() -> None:
    """Run the timed jobs (delivery, expiry, reminders) as their own process.

    Needed when `serve` runs several workers; any number may run: each tick is done once."""
    _setup_logging()
    config = Config.from_env()
    config.require("SLACK_BOT_TOKEN")
    _open(config)
    _ensure_schema(config)
    database.close()
    from bot.runtime import scheduler as job_scheduler
    try:
        sched = job_scheduler(config, blocking=True)
    except ValueError as exc:
        raise click.ClickException(str(exc))
    click.echo("scheduler running; Ctrl-C to stop", err=True)
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply any schema migrations that have not been applied yet."""
    config = Config.from_env()
    _open(config)
    applied = schema.upgrade()
    click.echo(f"Applied: {', '.join(applied)}" if applied else "The schema is up to date.")


@main.command()
def deliver() -> None:
    """Run one email delivery pass over the outbox and report what happened."""
    _setup_logging()
    config = Config.from_env()
    _open(config)
    _ensure_schema(config)
    from jobs.delivery import deliver_pending
    from jobs.mailer import ConfigError, transport_from_url
    try:
        transport = transport_from_url(config.smtp_url, config.outbox_dir)
    except ConfigError as exc:
        raise click.ClickException(str(exc))
    report = deliver_pending(transport, config.public_url, config.mail_from)
    if report.unreachable:
        raise click.ClickException(f"The mail server {transport.describe()} could not be reached "
                                   f"({report.unreachable}); the emails stay queued.")
    click.echo(f"Delivered {report.sent}, will retry {report.retried}, failed {report.failed} "
               f"(via {transport.describe()}).")


def _operator(team: str, user: str | None):
    from commands.actor import Actor
    return Actor(team_id=team, user_id=user or "cli", name=user or "command line", is_admin=True,
                 command=Config.from_env().invite_command)  # hints name the command the team types


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--team", required=True, help="The Slack team id of the workspace, e.g. T0123ABCD.")
@click.option("--send", is_flag=True, help="Send the invitations now (default: create the customers only).")
@click.option("--as", "as_user", default=None, help="The Slack user id recorded as the uploader.")
def import_(file: Path, team: str, send: bool, as_user: str | None) -> None:
    """Import customers from a CSV file; writes FILE.ok.csv and FILE.errors.csv beside it."""
    import csv

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from commands import bulk
    from commands.errors import CommandError
    config = Config.from_env()
    _open(config)
    _ensure_schema(config)
    actor = _operator(team, as_user)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(f"Importing {file.name}", total=None)

        def progress(upload):
            bar.update(task, total=upload.rows_total, completed=upload.rows_done)

        try:
            upload = bulk.import_csv(actor, file, send=send, progress=progress)
        except CommandError as exc:
            raise click.ClickException(exc.message)
    outputs = {file.with_name(file.name + ".ok.csv"): bulk.succeeded_rows(upload),
               file.with_name(file.name + ".errors.csv"): bulk.failed_rows(upload)}
    for path, rows in outputs.items():
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    click.echo(f"Upload #{upload.id}: {upload.message}.")
    click.echo(f"Succeeded rows: {file.name}.ok.csv   Failed rows (with the error): {file.name}.errors.csv")


@main.command("export")
@click.option("--team", required=True, help="The Slack team id of the workspace.")
@click.option("--status", default="pending", show_default=True,
              help="not-enrolled, requested, invited (= pending), enrolled, expired, suspended or all.")
def export_(team: str, status: str) -> None:
    """Write invitations as CSV to standard output (safe against spreadsheet formulas)."""
    import csv

    from commands.errors import CommandError
    from commands.export import export_rows
    config = Config.from_env()
    _open(config)
    _ensure_schema(config)
    writer = csv.writer(sys.stdout)
    try:
        for row in export_rows(_operator(team, None), status):
            writer.writerow(row)
    except CommandError as exc:
        raise click.ClickException(exc.message)


@main.command("manifest")
@click.option("--url", required=True, help="The public HTTPS base URL Slack will call, e.g. https://invite.example.com")
def manifest_(url: str) -> None:
    """Print the Slack app manifest for this URL and the configured command name."""
    from bot.manifest import render
    if not url.startswith(("https://", "http://")):
        raise click.ClickException("--url must start with https:// (Slack only calls HTTPS URLs).")
    click.echo(render(url, Config.from_env().invite_command), nl=False)


@main.command()
@click.option("--keep", is_flag=True, help="Leave the demo running and print the URLs.")
def demo(keep: bool) -> None:
    """Play the whole story locally: no Slack account, no mail server needed."""
    from bot.demo import run
    sys.exit(run(keep=keep))


if __name__ == "__main__":
    main()
