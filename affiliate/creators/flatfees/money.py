"""The flat fees' ledger entries: one per step, each keyed by its own cause so that a step
repeated (a job run twice, a double click) can never post twice.

    step                       entry              debit → credit                    cause
    creator accepts / offer    flat_fee_held      seller receivable → seller held   hold
    seller approves / timeout  flat_fee_paid      seller held → creator pending     submission
    clearing period passed     flat_fee_settled   creator pending → available       submission
    seller declines            flat_fee_returned  seller held → seller receivable   submission
    offer closes, unused       flat_fee_returned  seller held → seller receivable   hold

(causes: ``flat_fee_hold:<id>``, ``flat_fee_submission:<id>``)

The seller's balance is what the ledger owes the store (``seller_receivable``, credit-normal, a
sum over postings with no cached row). A hold must not overdraw it, so the hold locks that
account's row (``SELECT … FOR UPDATE``) before it reads the sum: two holds of one seller queue
there, and the second reads the balance the first left. Nothing else posts against the seller's
balance under that lock (orders credit it, commissions and refunds debit it as before); only the
flat fees promise never to take it below zero.
"""

from __future__ import annotations

from sqlalchemy import select

from affiliate.creators.flatfees.exceptions import SellerBalanceShort
from affiliate.creators.flatfees.models import FlatFeeHold, FlatFeeOffer, FlatFeeSubmission
from core.extensions import db
from core.ledger.models import AccountKind, EntryKind, LedgerAccount, LedgerEntry
from core.ledger.services import Cause, account_for, balance, credit, debit, post_entry
from core.money import format_money

HOLD = "flat_fee_hold"
SUBMISSION = "flat_fee_submission"


def receivable(seller_id: int, currency: str) -> LedgerAccount:
    return account_for(AccountKind.SELLER_RECEIVABLE, currency=currency, owner_id=seller_id)


def held(seller_id: int, currency: str) -> LedgerAccount:
    return account_for(AccountKind.SELLER_HELD, currency=currency, owner_id=seller_id)


def lock_seller_balance(seller_id: int, currency: str) -> int:
    """Lock the seller's balance row until the transaction ends; return the balance."""
    account = receivable(seller_id, currency)
    db.session.execute(
        select(LedgerAccount.id).where(LedgerAccount.id == account.id).with_for_update()
    )
    return balance(account)


def check_covers(seller_id: int, currency: str, needed: int, *, locked_balance: int) -> None:
    if needed > locked_balance:
        raise SellerBalanceShort(
            f"The store's balance ({format_money(max(locked_balance, 0), currency)}) cannot "
            f"hold {format_money(needed, currency)} for the flat fee; nothing was held."
        )


def post_hold(hold: FlatFeeHold, offer: FlatFeeOffer) -> LedgerEntry:
    total = hold.pieces * offer.amount
    return post_entry(
        EntryKind.FLAT_FEE_HELD,
        Cause(HOLD, hold.id),
        [
            debit(receivable(offer.seller_id, offer.currency), total),
            credit(held(offer.seller_id, offer.currency), total),
        ],
        memo=f"Flat fee held: {hold.pieces} × {format_money(offer.amount, offer.currency)}",
    )


def post_paid(submission: FlatFeeSubmission, offer: FlatFeeOffer) -> LedgerEntry:
    pending = account_for(
        AccountKind.CREATOR_PENDING, currency=submission.currency, owner_id=submission.creator_id
    )
    return post_entry(
        EntryKind.FLAT_FEE_PAID,
        Cause(SUBMISSION, submission.id),
        [
            debit(held(offer.seller_id, submission.currency), submission.amount),
            credit(pending, submission.amount),
        ],
        memo=f"Flat fee for content #{submission.content_id}",
    )


def post_settled(submission: FlatFeeSubmission) -> LedgerEntry:
    def creator(kind: AccountKind) -> LedgerAccount:
        return account_for(kind, currency=submission.currency, owner_id=submission.creator_id)

    return post_entry(
        EntryKind.FLAT_FEE_SETTLED,
        Cause(SUBMISSION, submission.id),
        [
            debit(creator(AccountKind.CREATOR_PENDING), submission.amount),
            credit(creator(AccountKind.CREATOR_AVAILABLE), submission.amount),
        ],
        memo=f"Flat fee for content #{submission.content_id} settled",
    )


def post_declined(submission: FlatFeeSubmission, offer: FlatFeeOffer) -> LedgerEntry:
    return post_entry(
        EntryKind.FLAT_FEE_RETURNED,
        Cause(SUBMISSION, submission.id),
        [
            debit(held(offer.seller_id, submission.currency), submission.amount),
            credit(receivable(offer.seller_id, submission.currency), submission.amount),
        ],
        memo=f"Flat fee returned: content #{submission.content_id} declined",
    )


def post_unused(hold: FlatFeeHold, offer: FlatFeeOffer, pieces: int) -> LedgerEntry:
    total = pieces * offer.amount
    return post_entry(
        EntryKind.FLAT_FEE_RETURNED,
        Cause(HOLD, hold.id),
        [
            debit(held(offer.seller_id, offer.currency), total),
            credit(receivable(offer.seller_id, offer.currency), total),
        ],
        memo=f"Flat fee returned: {pieces} unused piece(s)",
    )
