"""Kept centre pages: a reload costs no statement, and nothing they show is ever stale."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import delete

from affiliate.creators.attribution import ingest
from affiliate.payouts import services as payouts
from core.accounts.models import Role, UserRole
from core.extensions import db
from core.types import utcnow
from core.web import pageversion, privatepages
from core.web.pagecache import Entry
from core.web.pageversion import cache, table_epochs
from tests.conftest import Auth, make_test_app, recorded_statements, worker_redis_url
from tests.creators.factories import make_content
from tests.factories import make_user
from tests.payouts.helpers import fund, make_creator, token
from tests.shop.factories import make_order, make_product, make_store


@pytest.fixture
def statements(app):
    """Every statement the app sends while the test runs (the page cache stays on)."""
    with recorded_statements(app) as seen:
        yield seen


def signed_in(app, email: str):
    client = app.test_client()
    assert Auth(client).login(email).status_code in (302, 303)
    client.get("/account")  # the sign-in's flash is shown once, here
    return client


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_creator_centre_reload_sends_no_statement(app, app_ctx, statements):
    creator = make_creator(balance=1_500)
    cleo = signed_in(app, creator.email)
    page(cleo, "/creator/")
    statements.clear()

    assert "$15.00" in page(cleo, "/creator/")
    assert statements == []


def test_a_ledger_posting_shows_on_the_kept_creator_centre_at_once(app, app_ctx):
    creator = make_creator(balance=1_500)
    cleo = signed_in(app, creator.email)
    assert "$15.00" in page(cleo, "/creator/")

    fund(creator.id, 2_000)  # ledger tables: no catalogue bump, their own epochs

    assert "$35.00" in page(cleo, "/creator/")


def test_each_creator_sees_only_their_own_kept_centre(app, app_ctx):
    ann, bea = make_creator(balance=1_100), make_creator(balance=2_200)
    ann_browser, bea_browser = signed_in(app, ann.email), signed_in(app, bea.email)
    for _ in range(2):
        assert "$11.00" in page(ann_browser, "/creator/")
        assert "$22.00" not in page(ann_browser, "/creator/")
        assert "$22.00" in page(bea_browser, "/creator/")
        assert "$11.00" not in page(bea_browser, "/creator/")


def test_a_kept_page_is_refused_once_its_role_is_taken_away(app, app_ctx):
    creator = make_creator(balance=1_500)
    cleo = signed_in(app, creator.email)
    page(cleo, "/creator/")

    db.session.execute(
        delete(UserRole).where(UserRole.user_id == creator.id, UserRole.role == Role.CREATOR)
    )
    db.session.commit()

    assert cleo.get("/creator/").status_code == 403


def test_a_new_withdrawal_request_shows_in_the_officers_kept_queue_at_once(app, app_ctx):
    officer = make_user(Role.FINANCE, email="fin@example.com")
    creator = make_creator(balance=50_000)
    db.session.commit()
    fin = signed_in(app, officer.email)
    assert "Nothing waiting for review" in page(fin, "/finance/withdrawals")

    payouts.request_withdrawal(creator.id, 12_345, request_token=token())
    db.session.commit()  # written by the creator, not the officer: the table's epoch moves

    assert "$123.45" in page(fin, "/finance/withdrawals")


def test_a_new_order_shows_on_the_sellers_kept_orders_page_at_once(app, app_ctx):
    seller = make_user(Role.SELLER, email="sam@example.com")
    store = make_store(seller, name="Sam's")
    kettle = make_product(store, title="Kettle", price=4_200)
    buyer = make_user(Role.BUYER, display_name="Olive Buyer")
    sam = signed_in(app, seller.email)
    assert "Olive Buyer" not in page(sam, "/seller/orders")

    make_order(buyer, [(kettle.variants[0], 1)])

    assert "Olive Buyer" in page(sam, "/seller/orders")


def test_a_kept_page_names_the_ignored_tables_it_read(app, app_ctx):
    creator = make_creator(balance=1_500)
    cleo = signed_in(app, creator.email)
    page(cleo, "/creator/")

    kept = cache.get(f"private:{creator.id}:/creator/?")

    assert isinstance(kept, Entry)
    assert {"ledger_account", "ledger_posting"} <= set(kept.value)
    assert "withdrawal_approval" not in kept.value


def test_a_kept_page_is_rendered_afresh_after_private_page_seconds(app, app_ctx, statements):
    creator = make_creator(balance=1_500)
    start = utcnow().replace(hour=10, minute=0)  # the same UTC day throughout
    with freeze_time(start) as clock:
        cleo = signed_in(app, creator.email)
        page(cleo, "/creator/")
        clock.tick(timedelta(seconds=app.config["PRIVATE_PAGE_SECONDS"] - 5))
        statements.clear()
        page(cleo, "/creator/")
        assert statements == []

        clock.tick(timedelta(seconds=10))
        page(cleo, "/creator/")
        assert statements != []


def test_an_event_batch_written_below_the_session_moves_the_events_epoch(app, app_ctx):
    creator = make_user(Role.CREATOR)
    content = make_content(creator)
    before = table_epochs(["content_event"])["content_event"]
    row = {
        "content_id": content.id,
        "creator_id": creator.id,
        "product_id": None,
        "kind": "view",
        "visitor": "v-1",
        "order_id": None,
        "amount": 0,
        "occurred_at": utcnow(),
        "dedup_key": "test-batch-1",
    }

    ingest.write_batch([row])
    db.session.commit()

    assert table_epochs(["content_event"])["content_event"] != before


def test_a_table_bump_lost_to_an_outage_bumps_every_table_once_the_store_answers(
    app, app_ctx, monkeypatch
):
    creator = make_creator(balance=1_500)
    cleo = signed_in(app, creator.email)
    assert "$15.00" in page(cleo, "/creator/")
    before = table_epochs(["withdrawal"])

    def down(*args, **kwargs):
        raise ConnectionError("the store is down")

    with monkeypatch.context() as patched:
        patched.setattr(cache, "set_many", down)
        fund(creator.id, 2_000)  # committed; its bump is lost
    assert pageversion.table_bumps_lost()

    assert "$35.00" in page(cleo, "/creator/")
    assert not pageversion.table_bumps_lost()
    assert table_epochs(["withdrawal"]) != before  # every table, not only the ledger's


# --- with Redis, as in production (CI runs these) -----------------------------------------------


needs_redis = pytest.mark.skipif(
    not worker_redis_url(), reason="needs Redis: set REDIS_URL (CI does)"
)


@pytest.fixture
def redis_app(app, database):
    """An app on the test database keeping its pages and identities in this worker's Redis."""
    other = make_test_app(
        database.url, REDIS_URL=worker_redis_url(), CACHE_KEY_PREFIX=f"t{uuid.uuid4().hex[:8]}:"
    )
    yield other
    with other.app_context():
        pageversion.cache.clear()
        db.session.remove()
        db.engine.dispose()
    restored = make_test_app(database.url)  # the limiter is one extension: put its storage back
    with restored.app_context():
        db.engine.dispose()


def centre_seen_once(redis_app):
    """A creator with $15.00 whose Creator centre was rendered once (and so is kept)."""
    creator = make_creator(balance=1_500)
    creator_id, email = creator.id, creator.email
    db.session.close()  # SQLite: no transaction of the test's left open while requests write
    cleo = signed_in(redis_app, email)
    page(cleo, "/creator/")
    return creator_id, cleo


@needs_redis
def test_with_redis_a_reload_sends_no_statement_and_a_posting_shows_at_once(
    redis_app, app_ctx, statements
):
    creator_id, cleo = centre_seen_once(redis_app)
    statements.clear()

    assert "$15.00" in page(cleo, "/creator/")
    assert statements == []

    with redis_app.app_context():  # its commit bumps the epochs in this app's Redis
        fund(creator_id, 2_000)
    assert "$35.00" in page(cleo, "/creator/")


@needs_redis
def test_with_redis_a_page_is_checked_against_tables_this_process_did_not_expect(
    redis_app, app_ctx, monkeypatch
):
    creator_id, cleo = centre_seen_once(redis_app)
    monkeypatch.setattr(privatepages, "_read_by_endpoint", {})  # as in a fresh worker

    with redis_app.app_context():
        fund(creator_id, 2_000)

    assert "$35.00" in page(cleo, "/creator/")


@needs_redis
def test_with_redis_a_kept_centre_page_costs_one_round_trip_with_the_identity(
    redis_app, app_ctx, monkeypatch
):
    _, cleo = centre_seen_once(redis_app)
    page(cleo, "/creator/")
    reads = []
    real = pageversion.cache.get_many

    def counted(*keys):
        reads.append(keys)
        return real(*keys)

    monkeypatch.setattr(pageversion.cache, "get_many", counted)

    assert "$15.00" in page(cleo, "/creator/")
    assert len(reads) == 1
