"""Large imports: 10,000 rows in seconds, run as a job with progress, all or nothing."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, text

import core.jobs
from core.extensions import db
from shop.catalog.models import Product, Variant
from shop.sync import services
from shop.sync.models import CatalogImport, ImportStatus
from tests.shop.factories import make_product
from tests.shop.sync.conftest import commit, import_id_of, store_of, upload

CATEGORIES = ["beauty-skincare", "fashion-women", "home-kitchen", "electronics-audio"]


def big_csv(rows: int, variants_per_product: int = 4, price_cents: int = 1000) -> bytes:
    lines = [
        "handle,title,description,category,status,compare_at_price,sku,option1,option2,price,stock"
    ]
    for i in range(rows):
        p, v = divmod(i, variants_per_product)
        first = v == 0
        lines.append(
            ",".join(
                [
                    f"product-{p}",
                    f"Product {p}" if first else "",
                    f'"Description of product {p}, with a comma"' if first else "",
                    CATEGORIES[p % len(CATEGORIES)] if first else "",
                    "active" if first else "",
                    "99.00" if first else "",
                    f"SKU-{i:06d}",
                    ["S", "M", "L", "XL"][v % 4] + (f"-{v // 4}" if v >= 4 else ""),
                    "",
                    f"{(price_cents + v * 100) / 100:.2f}",
                    str(i % 50),
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def enqueued(monkeypatch) -> list[str]:
    calls: list[str] = []
    original = core.jobs.enqueue

    def spy(func_path, *args, **kwargs):
        calls.append(func_path)
        return original(func_path, *args, **kwargs)

    monkeypatch.setattr(core.jobs, "enqueue", spy)
    return calls


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_import_of_10000_rows_finishes_in_seconds(seller, enqueued):
    data = big_csv(10_000)
    started = time.perf_counter()
    import_id = import_id_of(upload(seller.client, data))
    previewed = time.perf_counter()
    assert commit(seller.client, import_id).status_code == 303
    finished = time.perf_counter()
    print(
        f"\n10,000-row import: preview {previewed - started:.2f} s, "
        f"commit {finished - previewed:.2f} s, total {finished - started:.2f} s"
    )
    assert finished - started < 20, "a 10,000-row import must take seconds, not minutes"
    assert count(Product) == 2_500
    assert count(Variant) == 10_000
    assert enqueued == ["shop.sync.jobs.run_catalog_import"]

    # And re-importing it updates everything in place, as fast.
    started = time.perf_counter()
    again = import_id_of(upload(seller.client, data))
    assert commit(seller.client, again).status_code == 303
    print(f"10,000-row re-import (all matched): {time.perf_counter() - started:.2f} s")
    assert time.perf_counter() - started < 20
    assert count(Product) == 2_500
    assert count(Variant) == 10_000
    record = db.session.get_one(CatalogImport, again)
    assert (record.created_count, record.updated_count) == (0, 2_500)


def test_a_large_import_runs_as_a_job_and_reports_its_progress(seller, enqueued):
    import_id = import_id_of(upload(seller.client, big_csv(services.JOB_THRESHOLD_ROWS + 1)))
    response = commit(seller.client, import_id)
    assert response.status_code == 303
    assert enqueued == ["shop.sync.jobs.run_catalog_import"]
    db.session.expire_all()
    record = db.session.get_one(CatalogImport, import_id)
    assert record.status == ImportStatus.DONE.value
    assert record.processed_rows == record.total_rows == services.JOB_THRESHOLD_ROWS + 1
    assert record.created_count == 501
    assert record.finished_at is not None
    status = seller.client.get(f"/seller/imports/{import_id}/status").get_json()
    assert status["finished"]
    assert status["percent"] == 100
    page = seller.client.get(f"/seller/imports/{import_id}").get_data(as_text=True)
    assert "501 products created" in page


def test_a_small_import_commits_in_the_request(seller, enqueued):
    import_id = import_id_of(upload(seller.client, big_csv(services.JOB_THRESHOLD_ROWS)))
    assert commit(seller.client, import_id).status_code == 303
    assert enqueued == []
    assert count(Variant) == services.JOB_THRESHOLD_ROWS


def test_a_large_import_that_fails_in_its_job_writes_nothing_and_says_why(seller, enqueued):
    import_id = import_id_of(upload(seller.client, big_csv(services.JOB_THRESHOLD_ROWS + 1)))
    clash = make_product(store_of(seller), handle="somebody-else")
    clash.variants[0].sku = "SKU-002000"  # taken between preview and commit
    db.session.commit()
    assert commit(seller.client, import_id).status_code == 303
    db.session.expire_all()
    record = db.session.get_one(CatalogImport, import_id)
    assert record.status == ImportStatus.FAILED.value
    assert "line 2002, sku: SKU 'SKU-002000' belongs to another product" in record.error
    assert count(Product) == 1  # only the clashing one
    page = seller.client.get(f"/seller/imports/{import_id}").get_data(as_text=True)
    assert "nothing was imported" in page


def test_the_page_of_a_running_import_polls_its_status(seller):
    record = CatalogImport(
        store_id=seller.store_id,
        filename="big.csv",
        stored_path="imports/x.csv",
        status=ImportStatus.RUNNING.value,
        total_rows=8_000,
        processed_rows=2_000,
    )
    db.session.add(record)
    db.session.commit()
    page = seller.client.get(f"/seller/imports/{record.id}").get_data(as_text=True)
    assert f'data-import-status-url="/seller/imports/{record.id}/status"' in page
    assert 'src="/static/js/import-progress.js' in page
    assert '<progress class="w-100" max="8000" value="2000"' in page
    status = seller.client.get(f"/seller/imports/{record.id}/status").get_json()
    assert (status["status"], status["percent"], status["finished"]) == ("running", 25, False)


def test_progress_is_reported_chunk_by_chunk(seller):
    store = store_of(seller)
    record, _plan = services.preview_import(
        store, "p.csv", big_csv(2_500), seller.client.application.config["UPLOAD_DIR"]
    )
    db.session.commit()
    reported: list[int] = []
    services._claim(record, ImportStatus.PREVIEWED, ImportStatus.RUNNING)
    services.apply_import(
        record, seller.client.application.config["UPLOAD_DIR"], progress=reported.append
    )
    db.session.commit()
    assert reported == [1_000, 2_000, 2_500]


def test_progress_is_visible_to_other_connections_while_the_import_runs(seller, postgres_only):
    record = CatalogImport(
        store_id=seller.store_id, filename="p.csv", stored_path="imports/p.csv", total_rows=10
    )
    db.session.add(record)
    db.session.commit()
    report = services.progress_reporter(record.id)
    assert report is not None
    db.session.execute(text("SELECT 1"))  # the import's own transaction stays open
    report(7)
    with db.engine.connect() as other:
        seen = other.execute(
            text("SELECT processed_rows FROM catalog_import WHERE id = :id"), {"id": record.id}
        ).scalar_one()
    assert seen == 7
    db.session.rollback()


@pytest.mark.parametrize("phase", ["preview", "commit"])
def test_statements_do_not_grow_with_the_number_of_rows(seller, count_queries, phase):
    """Checking and writing run a fixed number of statements per chunk, not one per row."""
    store = store_of(seller)
    upload_dir = seller.client.application.config["UPLOAD_DIR"]
    counts = []
    for rows, offset in ((40, 0), (800, 100_000)):
        data = (
            big_csv(rows)
            .replace(b"SKU-", f"S{offset}-".encode())
            .replace(b"product-", f"p{offset}-".encode())
        )
        db.session.commit()
        before = count_queries.count
        record, _plan = services.preview_import(store, "p.csv", data, upload_dir)
        if phase == "commit":
            db.session.commit()
            before = count_queries.count
            services._claim(record, ImportStatus.PREVIEWED, ImportStatus.RUNNING)
            services.apply_import(record, upload_dir)
        db.session.commit()
        counts.append(count_queries.count - before)
    assert counts[0] == counts[1], counts
