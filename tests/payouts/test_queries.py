"""What the wallet and the Finance centre read: balances and history, the review queue with
each creator's history and risk flags (in a constant number of queries), payout run
progress, totals by day and month, and the CSV export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from werkzeug.exceptions import Forbidden, NotFound

from affiliate.payouts import services
from affiliate.payouts.exceptions import NotAllowed, WithdrawalNotFound
from affiliate.payouts.models import Withdrawal
from affiliate.payouts.queries import reports, review, withdrawals
from affiliate.payouts.queries import wallet as wallet_queries
from core.extensions import db
from core.ledger.models import EntryKind
from core.types import utcnow
from tests.payouts.helpers import (
    claw_back,
    fund,
    make_creator,
    officer,
    run_payout,
    token,
)

SETTLED = EntryKind.COMMISSION_SETTLED


def _withdraw(creator, amount: int = 10_000) -> Withdrawal:
    w = services.request_withdrawal(creator.id, amount, request_token=token())
    db.session.commit()
    return w


def _pay(creator, amount: int = 10_000, enqueued=None) -> Withdrawal:
    w = _withdraw(creator, amount)
    services.approve(w.id, officer())
    db.session.commit()
    if enqueued is not None:
        enqueued.calls.clear()
        run_payout(w.id)
    return w


def test_wallet_shows_the_balances_and_what_was_paid(app_ctx):
    creator = make_creator(balance=50_000)
    _pay(creator, 10_000)  # in-process: paid at once
    _withdraw(creator, 5_000)

    wallet = wallet_queries.wallet(creator.id)

    assert (wallet.available, wallet.held, wallet.pending) == (35_000, 5_000, 0)
    assert (wallet.paid_out, wallet.fees_paid) == (9_800, 200)
    assert (wallet.min_amount, wallet.fee_bps, wallet.can_withdraw) == (1_000, 200, True)
    assert wallet.account is not None


def test_wallet_without_an_account_cannot_withdraw(app_ctx):
    creator = make_creator(balance=50_000, last4=None)

    assert wallet_queries.wallet(creator.id).can_withdraw is False


def test_wallet_history_lists_each_entry_with_its_changes(app_ctx):
    creator = make_creator(balance=50_000)
    fund(creator.id, 1_000, kind=SETTLED)
    w = _pay(creator, 10_000)
    _withdraw(creator, 2_000)

    page = wallet_queries.wallet_history(creator.id, per_page=3)

    assert page.total == 5
    assert [(line.label, line.available, line.held) for line in page.items] == [
        ("Withdrawal held", -2_000, 2_000),
        ("Withdrawal paid", 0, -10_000),
        ("Withdrawal held", -10_000, 10_000),
    ]
    assert f"#{w.id}" in page.items[1].memo
    older = wallet_queries.wallet_history(creator.id, per_page=3, page=2)
    assert [line.label for line in older.items] == ["Commission settled", "Test funding"]


def test_a_creator_reads_only_their_own_withdrawals(app_ctx):
    creator, other = make_creator(balance=50_000), make_creator(balance=50_000)
    mine = [_withdraw(creator, 1_000 * (i + 1)) for i in range(3)]
    theirs = _withdraw(other)

    page = wallet_queries.withdrawals_of(creator.id, per_page=2)
    assert page.total == 3
    assert [w.id for w in page.items] == [mine[2].id, mine[1].id]
    assert withdrawals.withdrawal_for_creator(creator.id, mine[0].id).id == mine[0].id
    with pytest.raises(NotAllowed):
        withdrawals.withdrawal_for_creator(creator.id, theirs.id)
    with pytest.raises(WithdrawalNotFound):
        withdrawals.withdrawal_for_creator(creator.id, 10**6)
    with pytest.raises(WithdrawalNotFound):
        withdrawals.get_withdrawal(2**64)


def test_the_loader_answers_404_for_no_withdrawal_and_403_for_someone_elses(app_ctx):
    creator, other = make_creator(balance=50_000), make_creator(balance=50_000)
    w = _withdraw(creator)

    assert withdrawals.get_withdrawal_or_404(w.id).id == w.id  # finance: any withdrawal
    assert withdrawals.get_withdrawal_or_404(w.id, owner=creator).id == w.id
    with pytest.raises(Forbidden):
        withdrawals.get_withdrawal_or_404(w.id, owner=other)
    with pytest.raises(NotFound):  # concealed: as good as none
        withdrawals.get_withdrawal_or_404(w.id, owner=other, conceal=True)
    for missing in (10**6, 0, -1, 2**70):
        with pytest.raises(NotFound):
            withdrawals.get_withdrawal_or_404(missing)
        with pytest.raises(NotFound):
            withdrawals.get_withdrawal_or_404(missing, owner=creator)


def test_timeline_is_the_audit_trail_of_the_withdrawal(app_ctx):
    creator = make_creator(balance=50_000)
    w = _withdraw(creator)
    services.reject(w.id, officer(), "Duplicate")
    db.session.commit()

    events = withdrawals.timeline(w.id)

    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("withdrawal_requested", None, "requested"),
        ("withdrawal_rejected", "requested", "rejected"),
    ]
    assert events[1].reason == "Duplicate"


# --- the review queue ---------------------------------------------------------------------------


def test_the_queue_total_is_read_off_the_state_counts_unless_the_filter_narrows(app_ctx):
    ann = make_creator(balance=500_000)
    kept = [_withdraw(ann, 2_000), _withdraw(ann, 3_000)]
    services.reject(_withdraw(ann, 4_000).id, officer(), "Not now")
    db.session.commit()
    counts = review.status_counts("USD")
    by_state = review.QueueFilter(currency="USD")
    everything = review.QueueFilter(status=None, currency="USD")
    assert review.known_total(by_state, counts) == len(kept)
    assert review.known_total(everything, counts) == 3
    for narrowed in (
        review.QueueFilter(currency="USD", min_amount=2_500),
        review.QueueFilter(currency="USD", creator=ann.email),
        review.QueueFilter(currency=None),
    ):
        assert review.known_total(narrowed, counts) is None
    for f in (by_state, everything, review.QueueFilter(currency="USD", min_amount=2_500)):
        counted = review.review_queue(f).total
        assert review.review_queue(f, total=review.known_total(f, counts)).total == counted


def test_queue_filters_and_sorts(app_ctx):
    ann = make_creator(balance=500_000)
    bob = make_creator(balance=500_000)
    small, large = _withdraw(ann, 2_000), _withdraw(bob, 150_000)
    middle = _withdraw(bob, 50_000)
    services.reject(middle.id, officer(), "Not now")
    db.session.commit()

    def ids(**kwargs):
        sort = kwargs.pop("sort", "oldest")
        page = review.review_queue(review.QueueFilter(**kwargs), sort=sort)
        return [row.withdrawal.id for row in page.items]

    assert ids() == [small.id, large.id]
    assert ids(sort="amount_desc") == [large.id, small.id]
    assert ids(sort="newest") == [large.id, small.id]
    assert ids(status=None, sort="amount_asc") == [small.id, middle.id, large.id]
    assert ids(status="rejected") == [middle.id]
    assert ids(min_amount=10_000) == [large.id]
    assert ids(max_amount=10_000) == [small.id]
    assert ids(creator=ann.email.upper()) == [small.id]
    assert ids(creator=bob.display_name[2:]) == [large.id]
    assert ids(creator=str(bob.id)) == [large.id]
    assert ids(creator="%") == []
    assert ids(four_eyes=True) == [large.id]
    assert ids(requested_from=utcnow() + timedelta(minutes=1)) == []


def test_queue_rows_carry_history_and_risk_flags(app_ctx):
    steady = make_creator(balance=500_000)
    fund(steady.id, 30_000, kind=SETTLED)
    for _ in range(2):
        _pay(steady, 10_000)
    usual = _withdraw(steady, 20_000)
    spike = _withdraw(steady, 40_000)
    newcomer = make_creator(balance=50_000)
    fund(newcomer.id, 5_000, kind=SETTLED)
    claw_back(newcomer.id, 2_000)
    first = _withdraw(newcomer, 10_000)

    rows = {row.withdrawal.id: row for row in review.review_queue().items}

    assert rows[usual.id].flags == []
    assert rows[spike.id].flags == ["over 3× their usual"]
    assert rows[first.id].flags == ["first withdrawal", "clawback in the last 30 days"]
    history = rows[usual.id].history
    assert (history.earned, history.withdrawn, history.paid_count) == (30_000, 20_000, 2)
    assert history.usual_amount == 10_000
    assert history.account_age_days == 0
    assert (rows[first.id].history.clawed_back, rows[first.id].history.earned) == (2_000, 5_000)
    old = utcnow() + timedelta(days=31)
    assert review.risk_flags(first, rows[first.id].history, now=old) == ["first withdrawal"]


def test_queue_page_costs_the_same_queries_for_3_or_12_creators(app_ctx, count_queries):
    def page_cost(n: int) -> int:
        for _ in range(n):
            creator = make_creator(balance=500_000)
            fund(creator.id, 1_000, kind=SETTLED)
            _withdraw(creator, 150_000 if n % 2 else 10_000)
        db.session.commit()
        db.session.expire_all()
        before = count_queries.count
        page = review.review_queue(per_page=50)
        for row in page.items:
            _ = (row.creator.email, row.approved_by, row.flags, row.history.earned)
        return count_queries.count - before

    first = page_cost(3)
    assert page_cost(9) == first  # 12 rows now
    assert first <= 6


def test_status_counts_list_every_state(app_ctx):
    creator = make_creator(balance=50_000)
    _withdraw(creator)

    counts = review.status_counts()

    assert counts["requested"] == 1
    assert counts["paid"] == 0
    assert set(counts) == {"requested", "approved", "processing", "paid", "rejected", "failed"}


# --- runs, totals, export -----------------------------------------------------------------------


def test_run_progress_counts_a_bulk_run(app_ctx, enqueued):
    good, bad = make_creator(balance=50_000), make_creator(balance=50_000, last4="0002")
    started = utcnow()
    ids = [_withdraw(good).id, _withdraw(good).id, _withdraw(bad).id]
    services.bulk_approve(ids, officer())
    db.session.commit()

    before = reports.run_progress(ids=ids)
    assert (before.counts["approved"], before.done, before.percent) == (3, 0, 0)
    for withdrawal_id in ids:
        run_payout(withdrawal_id)
    after = reports.run_progress(since=started)
    assert (after.counts["paid"], after.counts["failed"], after.total) == (2, 1, 3)
    assert after.percent == 100


def test_totals_by_day_and_month(app_ctx):
    creator = make_creator(balance=500_000)
    paid = [_pay(creator, amount) for amount in (10_000, 20_000, 5_000)]
    month_starts = utcnow().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    # An hour either side of this month's first midnight: two days, in two months.
    days = [month_starts - timedelta(hours=1), month_starts + timedelta(hours=1)]
    db.session.execute(
        update(Withdrawal).where(Withdrawal.id == paid[0].id).values(paid_at=days[0])
    )
    db.session.execute(
        update(Withdrawal).where(Withdrawal.id == paid[1].id).values(paid_at=days[1])
    )
    db.session.execute(
        update(Withdrawal).where(Withdrawal.id == paid[2].id).values(paid_at=days[1])
    )
    db.session.commit()

    by_day = reports.payout_totals(by="day")
    assert [(t.period, t.count, t.paid_out, t.fees) for t in by_day] == [
        (f"{days[0]:%Y-%m-%d}", 1, 9_800, 200),
        (f"{days[1]:%Y-%m-%d}", 2, 24_500, 500),
    ]
    by_month = reports.payout_totals(by="month", start=days[1])
    assert [(t.period, t.amount) for t in by_month] == [(f"{days[1]:%Y-%m}", 25_000)]
    overall = reports.totals()
    assert (overall.count, overall.paid_out, overall.fees) == (3, 34_300, 700)
    with pytest.raises(ValueError, match="day or by month"):
        reports.payout_totals(by="week")  # type: ignore[arg-type]


def test_csv_rows_for_a_period(app_ctx):
    creator = make_creator(balance=500_000)
    w = _pay(creator, 12_345)
    rejected = _withdraw(creator, 1_000)
    services.reject(rejected.id, officer(), "Test, with a comma")
    db.session.commit()
    start, end = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)

    rows = list(reports.csv_rows(start, end))

    assert rows[0] == reports.CSV_HEADER
    assert rows[1][:8] == [
        str(w.id),
        str(creator.id),
        creator.email,
        "USD",
        "123.45",
        "2.47",
        "120.98",
        "paid",
    ]
    assert rows[2][7:8] + rows[2][-1:] == ["rejected", "Test, with a comma"]
    assert list(reports.csv_rows(end, end + timedelta(days=1))) == [reports.CSV_HEADER]
