"""Product sync through the Seller centre: upload, preview, commit, export, re-import."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from core.accounts.models import Role
from core.extensions import db
from shop.catalog.models import Product, Variant
from shop.sync.models import CatalogImport
from tests.conftest import Auth
from tests.factories import make_user
from tests.shop.factories import category, make_product, make_store
from tests.shop.sync.conftest import (
    commit,
    csv_bytes,
    import_id_of,
    post_file,
    row,
    store_of,
    upload,
)


def products_of(store_id: int) -> list[Product]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Product).where(Product.store_id == store_id).order_by(Product.id))
    )


def variant_count(store_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Variant).where(Variant.store_id == store_id)
    )


def import_file(client, data: bytes) -> int:
    import_id = import_id_of(upload(client, data))
    response = commit(client, import_id)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return import_id


def get_import(import_id: int) -> CatalogImport:
    db.session.expire_all()
    return db.session.get_one(CatalogImport, import_id)


TWO_PRODUCTS = [
    row(
        "aloe-cream",
        "ALOE-50",
        "18.50",
        title="Aloe cream",
        description="Light, daily.",
        status="active",
        compare_at_price="24.00",
        option1="50 ml",
        stock="40",
    ),
    row("aloe-cream", "ALOE-100", "12.00", title="", category="", option1="100 ml", stock="5"),
    row("desk-lamp", "LAMP-1", "35.00", title="Desk lamp", category="home-decor", stock="3"),
]


def test_the_template_downloads_with_the_header_and_two_example_rows(seller):
    response = seller.client.get("/seller/imports/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [
        "handle",
        "title",
        "description",
        "category",
        "status",
        "compare_at_price",
        "sku",
        "option1",
        "option2",
        "price",
        "stock",
    ]
    assert len(rows) == 3
    assert rows[1][0] == rows[2][0]  # two variants of one product


def test_the_template_itself_imports_cleanly(seller):
    template = seller.client.get("/seller/imports/template.csv").get_data()
    import_file(seller.client, template)
    (product,) = products_of(seller.store_id)
    assert product.handle == "aloe-face-cream"
    assert product.price == 1850
    assert [v.sku for v in product.variants] == ["ALOE-50", "ALOE-100"]


def test_the_page_lists_the_upload_form_and_links(seller):
    page = seller.client.get("/seller/imports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert "/seller/imports/template.csv" in html
    assert "/seller/imports/export.csv" in html
    assert "No imports yet" in html
    assert 'name="csrf_token"' in html


def test_preview_shows_the_summary_and_writes_nothing(seller):
    response = upload(seller.client, csv_bytes(TWO_PRODUCTS))
    import_id = import_id_of(response)
    page = seller.client.get(f"/seller/imports/{import_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Products to create" in html
    assert "Ready to import" in html
    assert products_of(seller.store_id) == []
    record = get_import(import_id)
    assert record.status == "previewed"
    assert record.total_rows == 3
    assert record.stored_path.startswith("imports/")


def test_commit_creates_products_with_their_variants_and_prices(seller):
    import_id = import_file(seller.client, csv_bytes(TWO_PRODUCTS))
    cream, lamp = products_of(seller.store_id)
    assert (cream.handle, cream.title, cream.status) == ("aloe-cream", "Aloe cream", "active")
    assert cream.price == 1200  # the lowest variant price
    assert cream.compare_at_price == 2400
    assert cream.currency == "USD"
    assert cream.category.slug == "beauty-skincare"
    assert [(v.sku, v.option1, v.price, v.stock) for v in cream.variants] == [
        ("ALOE-50", "50 ml", 1850, 40),
        ("ALOE-100", "100 ml", 1200, 5),
    ]
    assert all(v.store_id == seller.store_id for v in cream.variants)
    assert lamp.status == "draft"  # the default
    assert lamp.category.slug == "home-decor"
    record = get_import(import_id)
    assert (record.status, record.created_count, record.updated_count) == ("done", 2, 0)
    assert record.processed_rows == record.total_rows == 3


def test_reimporting_the_same_file_updates_instead_of_duplicating(seller):
    import_file(seller.client, csv_bytes(TWO_PRODUCTS))
    changed = [dict(r) for r in TWO_PRODUCTS]
    changed[1]["price"] = "9.99"
    changed[2]["stock"] = "30"
    changed.append(row("aloe-cream", "ALOE-200", "40.00", title="", category="", option1="200 ml"))
    changed.append(row("new-mug", "MUG-1", "8.00", category="home-kitchen"))
    upload_id = import_id_of(upload(seller.client, csv_bytes(changed)))
    preview = seller.client.get(f"/seller/imports/{upload_id}").get_data(as_text=True)
    assert "Products to update" in preview
    assert commit(seller.client, upload_id).status_code == 303
    record = get_import(upload_id)
    assert (record.created_count, record.updated_count) == (1, 2)
    products = products_of(seller.store_id)
    assert [p.handle for p in products] == ["aloe-cream", "desk-lamp", "new-mug"]
    assert variant_count(seller.store_id) == 5
    cream = products[0]
    assert cream.price == 999
    assert [v.sku for v in cream.variants] == ["ALOE-50", "ALOE-100", "ALOE-200"]
    assert products[1].variants[0].stock == 30


def test_variants_not_in_the_file_are_left_alone(seller):
    import_file(seller.client, csv_bytes(TWO_PRODUCTS))
    import_file(
        seller.client, csv_bytes([row("aloe-cream", "ALOE-50", "30.00", title="Aloe cream")])
    )
    cream = products_of(seller.store_id)[0]
    assert [(v.sku, v.price) for v in cream.variants] == [("ALOE-50", 3000), ("ALOE-100", 1200)]
    assert cream.price == 1200  # still the lowest, from the variant the file did not name
    assert cream.description == "Light, daily."  # empty cell: kept


def test_export_then_reimport_changes_nothing(seller):
    store = store_of(seller)
    made_here = make_product(store, variants=3, price=2500, title="Made in the Seller centre")
    import_file(seller.client, csv_bytes(TWO_PRODUCTS))
    before = snapshot(seller.store_id)

    exported = seller.client.get("/seller/imports/export.csv", buffered=True)
    assert exported.status_code == 200
    text = exported.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 6
    assert {r["handle"] for r in rows} == {f"p-{made_here.id}", "aloe-cream", "desk-lamp"}

    import_id = import_file(seller.client, exported.get_data())
    record = get_import(import_id)
    assert (record.created_count, record.updated_count) == (0, 3)
    after = snapshot(seller.store_id)
    # The product made without a handle now has the one export gave it; nothing else moved.
    made = next(p for p in after if p["id"] == made_here.id)
    assert made["handle"] == f"p-{made_here.id}"
    made["handle"] = None
    assert after == before

    # And once more, now that every product has a handle: still nothing new.
    import_file(
        seller.client, seller.client.get("/seller/imports/export.csv", buffered=True).get_data()
    )
    assert len(products_of(seller.store_id)) == 3
    assert variant_count(seller.store_id) == 6


def snapshot(store_id: int) -> list[dict]:
    return [
        {
            "id": p.id,
            "handle": p.handle,
            "title": p.title,
            "description": p.description,
            "category": p.category_id,
            "status": p.status,
            "price": p.price,
            "compare_at_price": p.compare_at_price,
            "variants": [(v.id, v.sku, v.option1, v.option2, v.price, v.stock) for v in p.variants],
        }
        for p in products_of(store_id)
    ]


def test_a_product_made_without_a_handle_is_matched_by_sku(seller):
    product = make_product(store_of(seller), variants=1, price=1000)
    sku = product.variants[0].sku
    import_file(seller.client, csv_bytes([row("my-own-handle", sku, "11.00", title="Renamed")]))
    (only,) = products_of(seller.store_id)
    assert (only.id, only.handle, only.title, only.price) == (
        product.id,
        "my-own-handle",
        "Renamed",
        1100,
    )


def test_export_streams_an_empty_catalogue_as_just_the_header(seller):
    response = seller.client.get("/seller/imports/export.csv", buffered=True)
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip("\ufeff").strip().startswith("handle,title")
    assert len(response.get_data(as_text=True).strip().splitlines()) == 1


def test_cells_that_spreadsheets_run_as_formulas_round_trip_safely(seller):
    data = csv_bytes([row("formula", "SKU-F", title="=HYPERLINK(1)", description="- a list")])
    import_file(seller.client, data)
    exported = seller.client.get("/seller/imports/export.csv", buffered=True).get_data(as_text=True)
    assert "'=HYPERLINK(1)" in exported
    import_file(seller.client, exported.encode())
    (product,) = products_of(seller.store_id)
    assert (product.title, product.description) == ("=HYPERLINK(1)", "- a list")


def test_one_bad_row_writes_nothing(seller):
    rows = [row(f"p{i}", f"SKU-{i}") for i in range(50)]
    rows[37]["price"] = "-1"
    response = upload(seller.client, csv_bytes(rows))
    import_id = import_id_of(response)
    page = seller.client.get(f"/seller/imports/{import_id}").get_data(as_text=True)
    assert '<td class="text-end font-monospace">39</td>' in page
    assert "must be greater than 0" in page
    assert "Ready to import" not in page
    response = commit(seller.client, import_id)
    assert response.status_code == 400
    assert "must be greater than 0" in response.get_data(as_text=True)
    assert products_of(seller.store_id) == []
    assert get_import(import_id).status == "previewed"


def test_a_commit_that_finds_a_new_conflict_writes_nothing(seller):
    """A SKU taken by another product between preview and commit fails the whole import."""
    import_id = import_id_of(upload(seller.client, csv_bytes(TWO_PRODUCTS)))
    other = make_product(store_of(seller), variants=1, handle="other-lamp")
    other.variants[0].sku = "LAMP-1"
    db.session.commit()
    response = commit(seller.client, import_id)
    assert response.status_code == 400
    assert "belongs to another product" in response.get_data(as_text=True)
    assert [p.id for p in products_of(seller.store_id)] == [other.id]


def test_an_import_is_committed_only_once(seller):
    import_id = import_file(seller.client, csv_bytes(TWO_PRODUCTS))
    again = commit(seller.client, import_id)
    assert again.status_code == 303
    assert len(products_of(seller.store_id)) == 2
    assert variant_count(seller.store_id) == 3


def test_past_imports_are_listed_with_their_status(seller):
    import_file(seller.client, csv_bytes(TWO_PRODUCTS))
    html = seller.client.get("/seller/imports").get_data(as_text=True)
    assert "products.csv" in html
    assert "Done" in html


def test_status_endpoint_reports_progress_as_json(seller):
    import_id = import_file(seller.client, csv_bytes(TWO_PRODUCTS))
    data = seller.client.get(f"/seller/imports/{import_id}/status").get_json()
    assert data["status"] == "done"
    assert data["finished"] is True
    assert data["processed_rows"] == data["total_rows"] == 3
    assert data["percent"] == 100


# --- who may do what --------------------------------------------------------------------


def test_another_sellers_import_is_not_found(seller, app):
    import_id = import_id_of(upload(seller.client, csv_bytes(TWO_PRODUCTS)))
    other = make_user(Role.SELLER, email="other-seller@example.com")
    make_store(other, handle="other-store")
    client = app.test_client()
    Auth(client).login("other-seller@example.com")
    assert client.get(f"/seller/imports/{import_id}").status_code == 404
    assert client.get(f"/seller/imports/{import_id}/status").status_code == 404
    assert commit(client, import_id).status_code == 404
    assert get_import(import_id).status == "previewed"
    assert client.get("/seller/imports").get_data(as_text=True).count("products.csv") == 0


def test_a_non_seller_is_refused(app_ctx, client):
    make_user(Role.BUYER, email="buyer-sync@example.com")
    Auth(client).login("buyer-sync@example.com")
    for path in (
        "/seller/imports",
        "/seller/imports/template.csv",
        "/seller/imports/export.csv",
        "/seller/imports/1",
        "/seller/imports/1/status",
    ):
        assert client.get(path).status_code == 403, path
    assert upload(client, csv_bytes(TWO_PRODUCTS)).status_code == 403
    assert commit(client, 1).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(app_ctx, client):
    assert client.get("/seller/imports").status_code in (302, 401)


def test_a_seller_without_a_store_sees_an_empty_state(app_ctx, client):
    make_user(Role.SELLER, email="storeless@example.com")
    Auth(client).login("storeless@example.com")
    page = client.get("/seller/imports")
    assert page.status_code == 200
    assert "Open your store first" in page.get_data(as_text=True)
    assert client.get("/seller/imports/export.csv", buffered=True).status_code == 404
    assert upload(client, csv_bytes(TWO_PRODUCTS)).status_code == 404


def test_upload_without_a_csrf_token_is_refused(seller):
    response = post_file(seller.client, csv_bytes(TWO_PRODUCTS), "products.csv", None)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CatalogImport)) == 0


def test_commit_without_a_csrf_token_is_refused(seller):
    import_id = import_id_of(upload(seller.client, csv_bytes(TWO_PRODUCTS)))
    assert seller.client.post(f"/seller/imports/{import_id}/commit").status_code == 400
    assert products_of(seller.store_id) == []


def test_the_category_keeps_its_tree(app_ctx):
    assert category("beauty-skincare").parent.slug == "beauty"
