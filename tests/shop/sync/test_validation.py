"""Every problem in a file is reported by line and column, and bad files are refused with 400."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.extensions import db
from shop.catalog.models import Product
from shop.sync import csv_format
from shop.sync.csv_format import parse
from shop.sync.exceptions import FileRejected
from shop.sync.models import CatalogImport
from shop.sync.services import plan_import
from tests.conftest import csrf_token
from tests.shop.factories import make_product
from tests.shop.sync.conftest import (
    csv_bytes,
    import_id_of,
    post_file,
    row,
    store_of,
    upload,
)

HEADER = "handle,title,category,sku,price,stock,status,compare_at_price,option1,option2\n"


def errors_of(seller, text: str) -> list[str]:
    store = store_of(seller)
    plan = plan_import(store, parse(text.encode(), store.currency))
    return [str(error) for error in plan.errors]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ("h,T,beauty,A,0,1,,,,", "line 2, price: must be greater than 0"),
        ("h,T,beauty,A,-5,1,,,,", "line 2, price: must be greater than 0"),
        ("h,T,beauty,A,12.505,1,,,,", "line 2, price: must have at most 2 decimals"),
        ("h,T,beauty,A,12;50,1,,,,", 'line 2, price: must be an amount such as "12.50"'),
        ("h,T,beauty,A,,1,,,,", "line 2, price: is required"),
        ("h,T,beauty,A,1,-1,,,,", "line 2, stock: must be 0 or more"),
        ("h,T,beauty,A,1,1.5,,,,", "line 2, stock: must be a whole number"),
        ("h,T,beauty,A,1,99999999999,,,,", "line 2, stock: is too large"),
        (",T,beauty,A,1,1,,,,", "line 2, handle: is required"),
        (
            "bad handle!,T,beauty,A,1,1,,,,",
            "line 2, handle: may hold only lowercase letters, digits and single hyphens",
        ),
        ("h,T,beauty,,1,1,,,,", "line 2, sku: is required"),
        ("h,,beauty,A,1,1,,,,", "line 2, title: is required on the first row of 'h'"),
        ("h,T,nope,A,1,1,,,,", "line 2, category: unknown category 'nope'"),
        ("h,T,,A,1,1,,,,", "line 2, category: is required for a new product (a category slug)"),
        ("h,T,beauty,A,1,1,live,,,", "line 2, status: must be draft, active or archived"),
        ("h,T,beauty,A,1,1,,0,,", "line 2, compare_at_price: must be greater than 0"),
        ("h,T,beauty,A,1,1,,,,,surplus", "line 2, row: has 11 cells but the header has 10 columns"),
        (f"h,{'x' * 201},beauty,A,1,1,,,,", "line 2, title: is longer than 200 characters"),
    ],
)
def test_a_bad_cell_is_reported_by_line_and_column(seller, cells, expected):
    assert errors_of(seller, HEADER + cells + "\n") == [expected]


def test_a_duplicate_sku_in_the_file_names_both_lines(seller):
    text = HEADER + "a,A,beauty,SKU-1,1,1,,,S,\nb,B,beauty,SKU-1,1,1,,,M,\n"
    assert errors_of(seller, text) == ["line 3, sku: duplicate SKU 'SKU-1', already on line 2"]


def test_a_sku_of_another_product_in_the_store_is_refused(seller):
    product = make_product(store_of(seller), handle="red-scarf")
    sku = product.variants[0].sku
    text = HEADER + f"blue-scarf,Blue scarf,fashion,{sku},1,1,,,,\n"
    assert errors_of(seller, text) == [
        f"line 2, sku: SKU '{sku}' belongs to another product of your store ('red-scarf')"
    ]


def test_a_title_that_differs_between_rows_of_a_handle_is_refused(seller):
    text = HEADER + "h,Cream,beauty,A,1,1,,,S,\nh,,,B,1,1,,,M,\nh,Lotion,,C,1,1,,,L,\n"
    assert errors_of(seller, text) == [
        "line 4, title: differs from line 2, the first row of 'h' "
        "(leave it empty or repeat the same value)"
    ]


def test_two_variants_with_the_same_options_are_refused(seller):
    text = HEADER + "h,Cream,beauty,A,1,1,,,S,\nh,,,B,1,1,,,S,\n"
    assert errors_of(seller, text) == ["line 3, option1: same options as line 2 of 'h'"]


def test_line_numbers_count_the_lines_of_multi_line_cells_and_blank_lines(seller):
    text = (
        "handle,title,description,category,sku,price,option1\n"
        'h,Cream,"two\nlines",beauty,A,1,S\n'
        "\n"
        "h,,,,B,0,M\n"
    )
    assert errors_of(seller, text) == ["line 5, price: must be greater than 0"]


def test_every_error_of_the_file_is_reported_in_line_order(seller):
    text = HEADER + "a,A,beauty,X,0,1,,,,\nb,B,nope,Y,1,-2,,,,\n"
    assert errors_of(seller, text) == [
        "line 2, price: must be greater than 0",
        "line 3, category: unknown category 'nope'",
        "line 3, stock: must be 0 or more",
    ]


def test_the_preview_page_lists_errors_with_line_and_column(seller):
    rows = [row(f"p{i}", f"S{i}") for i in range(20)]
    rows[12]["price"] = "0"  # line 14
    rows[15]["category"] = "nope"  # line 17
    page = seller.client.get(
        f"/seller/imports/{import_id_of(upload(seller.client, csv_bytes(rows)))}"
    )
    html = page.get_data(as_text=True)
    assert "2 problems to fix" in html
    assert (
        '<td class="text-end font-monospace">14</td><td class="font-monospace small">price</td>'
        "<td>must be greater than 0</td>"
    ) in html
    assert "unknown category &#39;nope&#39;" in html
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0


def test_a_bom_semicolons_and_crlf_are_accepted(seller):
    text = "\ufeffhandle;title;category;sku;price\r\nh;Cream;beauty;A;1,50\r\n"
    # "1,50" is not an amount (a decimal comma): the row is read, and the cell refused.
    assert errors_of(seller, text) == ['line 2, price: must be an amount such as "12.50"']
    assert errors_of(seller, text.replace("1,50", "1.50")) == []


def test_unknown_columns_are_ignored_and_said_so(seller):
    store = store_of(seller)
    parsed = parse(b"handle,title,category,sku,price,colour\nh,T,beauty,A,1,red\n", "USD")
    assert parsed.ignored_columns == ("colour",)
    assert plan_import(store, parsed).ok


# --- whole-file refusals: 400, a clear message, nothing stored ---------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        ("handle,title,sku,price\nh,Crème,A,1\n".encode("latin-1"), "not UTF-8 text"),
        (b"name,cost\nCream,1\n", "missing the required columns handle, title, sku, price"),
        (b"handle,title,sku\nh,T,A\n", "missing the required column price"),
        (b"handle,title,sku,price,sku\nh,T,A,1,B\n", "names the column sku twice"),
        (b"", "The file is empty"),
        (b"handle,title,sku,price\n", "a header but no rows"),
        (b'handle,title,sku,price\nh,"T,A,1\n', "not a readable CSV file"),
    ],
)
def test_a_file_that_is_not_a_product_csv_is_refused(seller, data, message):
    response = upload(seller.client, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CatalogImport)) == 0


def test_a_file_without_the_csv_extension_is_refused(seller):
    response = upload(seller.client, csv_bytes([row("h", "A")]), filename="products.xlsx")
    assert response.status_code == 400
    assert "Upload a .csv file" in response.get_data(as_text=True)


def test_an_upload_without_a_file_is_refused(seller):
    response = seller.client.post(
        "/seller/imports",
        data={"csrf_token": csrf_token(seller.client)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Choose a CSV file" in response.get_data(as_text=True)


def test_a_file_over_100000_rows_is_refused(seller):
    lines = ["handle,title,sku,price"] + [f"h{i},T,S{i},1" for i in range(100_001)]
    response = upload(seller.client, "\n".join(lines).encode())
    assert response.status_code == 400
    assert "more than 100,000 rows" in response.get_data(as_text=True)


def test_a_file_over_20_mb_is_refused(seller):
    with pytest.raises(FileRejected, match="larger than 20 MB"):
        csv_format.decode(b"x" * (csv_format.MAX_FILE_BYTES + 1))
    just_over = b"handle,title,sku,price\n" + b"h,T,A,1\n" * 10
    just_over += b"#" * (csv_format.MAX_FILE_BYTES + 1 - len(just_over))
    response = upload(seller.client, just_over)
    assert response.status_code == 400
    assert "larger than 20 MB" in response.get_data(as_text=True)
    far_over = post_file(
        seller.client,
        b"x" * (csv_format.MAX_FILE_BYTES + 200_000),
        "big.csv",
        csrf_token(seller.client),
    )
    assert far_over.status_code == 413
    assert "That upload is too large" in far_over.get_data(as_text=True)


def test_a_file_of_up_to_20_mb_gets_past_the_apps_smaller_upload_limit(seller, app):
    assert app.config["MAX_CONTENT_LENGTH"] < csv_format.MAX_FILE_BYTES
    text = b"handle,title,description,category,sku,price\n"
    filler = b"x" * 1000
    count = (17 * 1024 * 1024) // 1030
    text += b"".join(b"h%d,T,%s,beauty,S%d,1\n" % (i, filler, i) for i in range(count))
    assert len(text) > app.config["MAX_CONTENT_LENGTH"]
    assert upload(seller.client, text).status_code == 303
