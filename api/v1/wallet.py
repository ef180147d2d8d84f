"""Creator: balances per currency and withdrawals (request with the fee preview, list, get)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import request
from sqlalchemy import select

from affiliate.creators.attribution.models import Commission
from affiliate.payouts import services as payouts
from affiliate.payouts.models import Withdrawal, WithdrawalStatus
from affiliate.payouts.queries import wallet as wallets
from affiliate.payouts.rules import default_currency, fee_bps, fee_for, min_amount
from api.v1.framework import Call, Param, Routes, not_found
from api.v1.pagination import CURSOR_PARAMS, page_of, paginate
from api.v1.problems import FieldError, validation_problem
from api.v1.representation import (
    CURRENCY_SCHEMA,
    ID_SCHEMA,
    MONEY_SCHEMA,
    TIME_OR_NULL,
    TIME_SCHEMA,
    money,
    obj,
    page_schema,
    timestamp,
)
from core.extensions import db

routes = Routes(
    "Wallet",
    "A creator's balances per currency and withdrawals; the platform keeps a fee on each.",
)

STATUSES = [s.value for s in WithdrawalStatus]
BALANCE = obj(
    {
        "currency": CURRENCY_SCHEMA,
        "pending": MONEY_SCHEMA,
        "available": MONEY_SCHEMA,
        "held": MONEY_SCHEMA,
        "paid_out": MONEY_SCHEMA,
        "fees_paid": MONEY_SCHEMA,
        "withdrawable": MONEY_SCHEMA,
        "can_withdraw": {"type": "boolean"},
    }
)
BALANCES = obj({"data": {"type": "array", "items": BALANCE}})
PREVIEW = obj(
    {
        "amount": MONEY_SCHEMA,
        "fee": MONEY_SCHEMA,
        "net": MONEY_SCHEMA,
        "fee_bps": {"type": "integer"},
        "minimum": MONEY_SCHEMA,
        "available": MONEY_SCHEMA,
        "enough_available": {"type": "boolean"},
    }
)
WITHDRAWAL = obj(
    {
        "id": ID_SCHEMA,
        "status": {"type": "string", "enum": STATUSES},
        "amount": MONEY_SCHEMA,
        "fee": MONEY_SCHEMA,
        "net": MONEY_SCHEMA,
        "fee_bps": {"type": "integer"},
        "approvals": {"type": "integer"},
        "approvals_needed": {"type": "integer"},
        "reject_reason": {"type": ["string", "null"]},
        "failure_reason": {"type": ["string", "null"]},
        "requested_at": TIME_SCHEMA,
        "approved_at": TIME_OR_NULL,
        "paid_at": TIME_OR_NULL,
        "rejected_at": TIME_OR_NULL,
        "failed_at": TIME_OR_NULL,
    }
)
WITHDRAWAL_IN = obj(
    {
        "amount": {"type": "integer", "minimum": 1, "description": "Minor units."},
        "currency": CURRENCY_SCHEMA,
    },
    required=["amount"],
)
CURRENCY_PARAM = Param("currency", CURRENCY_SCHEMA, "Default: the platform's currency.")


def withdrawal_json(w: Withdrawal) -> dict[str, Any]:
    c = w.currency
    return {
        "id": w.id,
        "status": w.status,
        "amount": money(w.amount, c),
        "fee": money(w.fee, c),
        "net": money(w.net, c),
        "fee_bps": w.fee_bps,
        "approvals": len(w.approvals),
        "approvals_needed": w.approvals_needed,
        "reject_reason": w.reject_reason,
        "failure_reason": w.failure_reason,
        "requested_at": timestamp(w.requested_at),
        "approved_at": timestamp(w.approved_at),
        "paid_at": timestamp(w.paid_at),
        "rejected_at": timestamp(w.rejected_at),
        "failed_at": timestamp(w.failed_at),
    }


def _currencies(creator_id: int) -> list[str]:
    """The platform's currency and every currency the creator earned or withdrew in."""
    earned = select(Commission.currency).where(Commission.creator_id == creator_id)
    withdrawn = select(Withdrawal.currency).where(Withdrawal.creator_id == creator_id)
    found = set(db.session.scalars(earned.union(withdrawn)))
    return sorted(found | {default_currency().upper()})


@routes.get("/balances", scope="withdrawals:read", response=BALANCES)
def list_balances(call: Call) -> dict[str, Any]:
    """Your balances per currency, from the ledger: pending, available, held, paid out."""
    data = []
    for currency in _currencies(call.user.id):
        w = wallets.wallet(call.user.id, currency)
        data.append(
            {
                "currency": currency,
                "pending": money(w.pending, currency),
                "available": money(w.available, currency),
                "held": money(w.held, currency),
                "paid_out": money(w.paid_out, currency),
                "fees_paid": money(w.fees_paid, currency),
                "withdrawable": money(w.withdrawable, currency),
                "can_withdraw": w.can_withdraw,
            }
        )
    return {"data": data}


@routes.get(
    "/withdrawals/preview",
    scope="withdrawals:read",
    response=PREVIEW,
    params=(
        Param("amount", {"type": "integer", "minimum": 1}, "The amount to withdraw, minor units."),
        CURRENCY_PARAM,
    ),
)
def preview_withdrawal(call: Call) -> dict[str, Any]:
    """Preview a withdrawal: the fee, what you would receive, and whether enough is available."""
    currency = call.query.get("currency", default_currency()).upper()
    amount = call.query.get("amount", 0)
    if not amount:
        raise validation_problem([FieldError("amount", "is required")])
    fee, net = fee_for(amount)
    available = wallets.wallet(call.user.id, currency).available
    return {
        "amount": money(amount, currency),
        "fee": money(fee, currency),
        "net": money(net, currency),
        "fee_bps": fee_bps(),
        "minimum": money(min_amount(currency), currency),
        "available": money(available, currency),
        "enough_available": available >= amount,
    }


def _request_token(call: Call) -> str:
    """The payouts' one-time token: from the Idempotency-Key when sent (so a retry is the same
    withdrawal even past the API's own replay), else a fresh one."""
    key = request.headers.get("Idempotency-Key")
    if key:
        return hashlib.sha256(f"api:{call.user.id}:{key}".encode()).hexdigest()[:48]
    return secrets.token_urlsafe(24)


@routes.post(
    "/withdrawals",
    scope="withdrawals:write",
    body=WITHDRAWAL_IN,
    response=WITHDRAWAL,
    status=201,
    errors=[403, 409],
)
def request_withdrawal(call: Call) -> tuple[dict[str, Any], int]:
    """Request a withdrawal: the amount is held from your available balance for finance."""
    w = payouts.request_withdrawal(
        call.user.id,
        call.body["amount"],
        request_token=_request_token(call),
        currency=call.body.get("currency"),
    )
    call.about("withdrawal", w.id)
    return withdrawal_json(w), 201


@routes.get(
    "/withdrawals",
    scope="withdrawals:read",
    response=page_schema(WITHDRAWAL),
    params=(Param("status", {"type": "string", "enum": STATUSES}), *CURSOR_PARAMS),
    paginated=True,
)
def list_withdrawals(call: Call) -> dict[str, Any]:
    """List your withdrawals, newest first."""
    query = select(Withdrawal).where(Withdrawal.creator_id == call.user.id)
    if "status" in call.query:
        query = query.where(Withdrawal.status == call.query["status"])
    rows, cursor = paginate(call, query, Withdrawal.id)
    return page_of([withdrawal_json(w) for w in rows], cursor)


@routes.get(
    "/withdrawals/<int:withdrawal_id>", scope="withdrawals:read", response=WITHDRAWAL, errors=[404]
)
def get_withdrawal(call: Call, withdrawal_id: int) -> dict[str, Any]:
    """Get one of your withdrawals."""
    w = db.session.get(Withdrawal, withdrawal_id) if withdrawal_id < 2**63 else None
    if w is None or w.creator_id != call.user.id:
        raise not_found("withdrawal")
    return withdrawal_json(w)
