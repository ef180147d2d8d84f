"""The page cache's clock: the next promotion moment is read once per catalogue version and
read again when the clock reaches it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from core.types import utcnow
from core.web.pageclock import BOUNDARY_COMMENT
from tests.conftest import recorded_statements
from tests.shop.catalog.helpers import release
from tests.shop.factories import add_discount, make_product


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def boundary_reads(app):
    with recorded_statements(app, lambda statement: BOUNDARY_COMMENT in statement) as seen:
        yield seen


def test_the_next_promotion_moment_is_read_once_per_catalogue_version(
    app_ctx, client, boundary_reads
):
    first, second = make_product().id, make_product().id
    release()

    page(client, f"/p/{first}")
    page(client, f"/p/{second}")  # another page, rendered afresh: the moment is kept
    assert len(boundary_reads) == 1

    make_product()  # a write: a new version
    release()
    page(client, f"/p/{first}")
    assert len(boundary_reads) == 2


def test_the_kept_moment_is_read_again_once_the_clock_reaches_it(app_ctx, client, boundary_reads):
    start = utcnow().replace(microsecond=0)
    product = make_product(price=2000)
    add_discount(
        product, percent_bps=5000, starts=timedelta(hours=1), ends=timedelta(hours=2), now=start
    )
    product_id, other_id = product.id, make_product().id
    release()

    with freeze_time(start) as clock:
        assert "$10.00" not in page(client, f"/p/{product_id}")
        clock.tick(timedelta(hours=1, seconds=1))
        page(client, f"/p/{other_id}")
        assert len(boundary_reads) == 2  # the kept moment (the start) has passed
        assert "$10.00" in page(client, f"/p/{product_id}")
