"""``flask ledger ...``: verify the ledger from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.extensions import db
from core.ledger import checks

ledger_cli = AppGroup("ledger", help="Inspect and verify the money ledger.")


@ledger_cli.command("check")
@click.option("--record/--no-record", default=True, help="Keep the result for the finance centre.")
def check_command(record: bool) -> None:
    """Verify every entry balances and every cached balance equals its postings."""
    report = checks.check_ledger()
    if record:
        checks.record_check(report)
        db.session.commit()
    click.echo(f"checked {report.entries_checked} entries and {report.accounts_checked} accounts")
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if not report.ok:
        raise click.exceptions.Exit(1)
    click.echo("ledger OK")
