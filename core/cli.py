"""Command-line tools: staff accounts, workers, the job scheduler and the development server."""

from __future__ import annotations

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from rq.cron import CronScheduler
from rq.utils import import_attribute

from core.accounts import services as accounts
from core.accounts.exceptions import AccountError
from core.accounts.models import Role
from core.extensions import db
from core.jobs import jobs, make_worker, periodic_jobs
from core.jobs.scheduler import EmbeddedScheduler

users_cli = AppGroup("users", help="Manage user accounts (staff accounts are created here only).")


@users_cli.command("create")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Role to grant (repeatable).",
)
@click.option("--name", default="", help="Display name (default: the part before the @).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The password (prompted for when not given).",
)
def create_user(email: str, roles: tuple[str, ...], name: str, password: str) -> None:
    """Create an account, including finance and admin accounts."""
    wanted = {Role(r) for r in roles}
    try:
        validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    try:
        user = accounts.register_user(
            email=email, password=password, display_name=name, roles=set()
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    for role in sorted(wanted):
        accounts.grant_role(user, role, by=None)
    db.session.commit()
    click.echo(
        f"created {user.email} with roles {', '.join(sorted(r.value for r in user.role_set))}"
    )


@users_cli.command("grant")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def grant(email: str, role: str) -> None:
    """Grant a role to an existing account."""
    user = accounts.find_by_email(email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    changed = accounts.grant_role(user, Role(role), by=None)
    db.session.commit()
    click.echo(f"granted {role} to {user.email}" if changed else f"{user.email} already has {role}")


@users_cli.command("list")
@click.option("--role", type=click.Choice([r.value for r in Role]))
def list_users(role: str | None) -> None:
    """List accounts with their roles."""
    page = accounts.search_users("", role=Role(role) if role else None, page=1, per_page=10_000)
    for user in page.users:
        state = " (suspended)" if user.is_suspended else ""
        click.echo(f"{user.id:>6}  {user.email:<40} {', '.join(r.role for r in user.roles)}{state}")


@click.command("worker")
@click.option("--queue", "queue_names", multiple=True, help="Queues to serve (default: all).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--with-scheduler/--without-scheduler",
    default=True,
    help="Also move scheduled and retried jobs to their queues when due.",
)
@with_appcontext
def worker_command(queue_names: tuple[str, ...], burst: bool, with_scheduler: bool) -> None:
    """Run an RQ worker for this app's queues (needs REDIS_URL)."""
    if not jobs.is_async:
        raise click.ClickException("REDIS_URL is not set: jobs already run in-process, at once")
    worker = make_worker(list(queue_names) or None)
    worker.work(
        burst=burst, with_scheduler=with_scheduler, logging_level=current_app.config["LOG_LEVEL"]
    )


def build_cron_scheduler() -> CronScheduler:
    scheduler = CronScheduler(connection=jobs.connection)
    for periodic in periodic_jobs():
        scheduler.register(
            import_attribute(periodic.func_path),
            periodic.queue,
            interval=periodic.interval,
            cron=periodic.cron,
        )
    return scheduler


@click.command("cron")
@with_appcontext
def cron_command() -> None:
    """Enqueue the periodic jobs when they are due (run exactly one of these; needs REDIS_URL)."""
    if not jobs.is_async:
        raise click.ClickException(
            "REDIS_URL is not set: run `flask jobs run-periodic` from the system cron instead"
        )
    build_cron_scheduler().start()  # type: ignore[no-untyped-call]  # rq leaves it untyped


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the app for development; without Redis, also run the periodic jobs on a thread."""
    from werkzeug.serving import run_simple

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = None
    if not jobs.is_async:
        scheduler = EmbeddedScheduler(
            app, periodic_jobs(app), tick_seconds=float(app.config["SCHEDULER_TICK_SECONDS"])
        )
        scheduler.start()
    else:
        app.logger.info("REDIS_URL is set: periodic jobs are enqueued by `flask cron`")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if scheduler is not None:
            scheduler.stop()


jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("list-periodic")
def list_periodic() -> None:
    """Show every periodic job and its schedule."""
    for periodic in periodic_jobs():
        schedule = periodic.cron or f"every {periodic.interval}s"
        click.echo(f"{periodic.func_path:<50} {schedule:<16} {periodic.description}")


@jobs_cli.command("run-periodic")
def run_periodic() -> None:
    """Run every periodic job once now (for a system cron entry when there is no Redis)."""
    for periodic in periodic_jobs():
        click.echo(f"running {periodic.func_path}")
        import_attribute(periodic.func_path)()


worker_commands = (worker_command, cron_command, serve_command, jobs_cli)
