"""The creator directory's measured figures: sorting by GMV and conversion, "GMV at least"."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from affiliate.creators.attribution.models import CommissionState, ContentDailyStat
from core.accounts.models import Role, User
from core.extensions import db
from core.types import utcnow
from tests.creators.factories import days_ago, make_commission, make_content, make_profile
from tests.factories import make_user
from tests.shop.factories import make_product


@pytest.fixture
def seller(app_ctx, client, auth):
    user = make_user(Role.SELLER)
    auth.login(user.email)
    return user


def handles(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'href="/creators/([a-z0-9_.]+)"', response.get_data(as_text=True))


def creator(handle: str, followers: int = 1000) -> User:
    profile = make_profile(handle=handle, follower_count=followers)
    return db.session.get(User, profile.user_id)


def sales(user: User, price: int, *, count: int = 1, **kwargs) -> None:
    product = make_product(price=price)
    for _ in range(count):
        make_commission(user, product, **kwargs)


def funnel(user: User, clicks: int, orders: int, day: date | None = None) -> None:
    content = make_content(user, [make_product()])
    db.session.add(
        ContentDailyStat(
            day=day or utcnow().date() - timedelta(days=1),
            content_id=content.id,
            product_id=0,
            creator_id=user.id,
            clicks=clicks,
            orders=orders,
        )
    )
    db.session.commit()


@pytest.fixture
def measured(seller):
    big = creator("big_seller", followers=10)
    small = creator("small_seller", followers=20)
    refunded = creator("refunded", followers=30)
    old = creator("old_news", followers=40)
    creator("no_sales", followers=50)
    sales(big, 5000, count=2)
    sales(small, 3000)
    sales(refunded, 9000, state=CommissionState.REVERSED)
    sales(old, 9000, created_at=days_ago(91))
    funnel(big, clicks=100, orders=2)
    funnel(small, clicks=10, orders=3)
    funnel(old, clicks=10, orders=9, day=utcnow().date() - timedelta(days=91))


def test_sort_by_measured_gmv(measured, client):
    assert handles(client.get("/seller/creators?sort=gmv")) == [
        "big_seller",
        "small_seller",
        "no_sales",  # then by followers: no measured GMV in 90 days
        "old_news",
        "refunded",
    ]


def test_sort_by_conversion(measured, client):
    assert handles(client.get("/seller/creators?sort=conversion"))[:2] == [
        "small_seller",  # 30%
        "big_seller",  # 2%
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("30", ["big_seller", "small_seller"]),
        ("30.01", ["big_seller"]),
        ("", None),
    ],
)
def test_gmv_at_least(measured, client, raw, expected):
    found = handles(client.get("/seller/creators", query_string={"min_gmv": raw, "sort": "gmv"}))
    if expected is None:
        assert len(found) == 5
    else:
        assert found == expected


@pytest.mark.parametrize("raw", ["$30", "-5", "99999999999999999999"])
def test_a_bad_gmv_filter_is_answered_400_with_its_message_and_ignored(measured, client, raw):
    response = client.get("/seller/creators", query_string={"min_gmv": raw, "sort": "gmv"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "GMV at least: use an amount of zero or more, such as 250 or 99.50." in page
    assert "That filter was ignored." in page
    assert len(re.findall(r'href="/creators/([a-z0-9_.]+)"', page)) == 5


def test_rows_show_measured_gmv_and_conversion(measured, client):
    page = client.get("/seller/creators?q=big_seller").get_data(as_text=True)
    assert "$100.00</strong> GMV" in page
    assert "2.0%</strong> conversion" in page


@pytest.mark.parametrize(
    "url",
    ["/seller/creators?sort=gmv&min_gmv=1", "/seller/creators?sort=conversion"],
)
def test_statement_count_is_constant(seller, client, count_queries, url):
    def add(start: int, stop: int) -> None:
        for index in range(start, stop):
            user = creator(f"creator_{index:02d}")
            sales(user, 1000 + index)
            funnel(user, clicks=10, orders=index % 3)

    def statements() -> int:
        client.get(url)
        before = count_queries.count
        assert client.get(url).status_code == 200
        return count_queries.count - before

    add(0, 3)
    with_3 = statements()
    add(3, 25)
    assert statements() == with_3 <= 10
