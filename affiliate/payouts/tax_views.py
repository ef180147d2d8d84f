"""Tax details: the creator's form (``/creator/tax``) and finance's yearly totals per creator
(``/finance/tax-year.csv?year=2026``).

The form shows what is on file (the tax number masked) and replaces it when sent again; a
refusal flashes the reasons and writes nothing.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from affiliate.payouts import tax
from affiliate.payouts.forms import TaxDetailsForm
from affiliate.payouts.queries.wallet import wallet_currencies
from affiliate.payouts.rules import tax_details_threshold
from core.accounts.authz import role_required
from core.accounts.models import Role
from core.accounts.stepup import staff_required
from core.exceptions import DomainError
from core.extensions import db
from core.types import utcnow
from core.web.errors import render_error
from core.web.refusals import refuse

bp = Blueprint("payout_tax", __name__)

FIRST_EXPORT_YEAR = 2000


def _form() -> TaxDetailsForm:
    form = TaxDetailsForm()
    form.country.choices = [
        SelectChoice("", "Choose…"),
        *(SelectChoice(code, name) for code, name in tax.countries()),
    ]
    return form


def _page(form: TaxDetailsForm, status: int = 200) -> ResponseReturnValue:
    profile = tax.tax_profile_of(current_user.id)
    return (
        render_template(
            "payouts/tax_details.html",
            form=form,
            profile=profile,
            statement=tax.STATEMENT,
            thresholds=[
                (currency, tax_details_threshold(currency))
                for currency in wallet_currencies(current_user.id)
            ],
        ),
        status,
    )


@bp.get("/creator/tax")
@role_required(Role.CREATOR)
def tax_details() -> ResponseReturnValue:
    form = _form()
    profile = tax.tax_profile_of(current_user.id)
    if profile is not None and not form.is_submitted():
        form.legal_name.data = profile.legal_name
        form.tax_id_kind.data = profile.tax_id_kind
        form.country.data = profile.country
    return _page(form)


@bp.post("/creator/tax")
@role_required(Role.CREATOR)
def save_tax_details() -> ResponseReturnValue:
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        tax.save_tax_details(current_user.id, form.details())
    except DomainError as error:
        return refuse(error, page=lambda status: _page(form, status))
    db.session.commit()
    flash("Tax details saved and signed. You can withdraw past the yearly threshold.", "success")
    return redirect(url_for("wallet.wallet"))


@bp.get("/finance/tax-year.csv")
@staff_required(Role.FINANCE)
def yearly_export() -> ResponseReturnValue:
    this_year = utcnow().year
    raw = request.args.get("year", str(this_year))
    if not raw.isdigit() or not FIRST_EXPORT_YEAR <= int(raw) <= this_year:
        return render_error(
            400, f"Give a year from {FIRST_EXPORT_YEAR} to {this_year}, such as ?year={this_year}."
        )
    year = int(raw)
    return Response(
        tax.yearly_csv(year),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="payouts-{year}-per-creator.csv"'},
    )
