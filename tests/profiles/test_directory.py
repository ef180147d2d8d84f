"""The sellers' creator directory: search, filters, sorting, pages, access, statements."""

from __future__ import annotations

import re

import pytest

from core.accounts.models import Role
from tests.creators.factories import make_profile
from tests.factories import make_user
from tests.shop.factories import category


@pytest.fixture
def seller(app_ctx, client, auth):
    user = make_user(Role.SELLER)
    auth.login(user.email)
    return user


def handles(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'href="/creators/([a-z0-9_.]+)"', response.get_data(as_text=True))


@pytest.fixture
def creators(app_ctx):
    make_profile(
        "beauty-skincare",
        handle="cleo",
        display_name="Cleo Creator",
        follower_count=48_000,
        avg_views=12_000,
    )
    make_profile(
        "electronics-smart-home",
        handle="maya.lens",
        display_name="Maya Lens",
        follower_count=210_000,
        avg_views=64_000,
    )
    make_profile(
        "sports-fitness",
        "beauty-makeup",
        handle="jonfit",
        display_name="Jon Fit",
        follower_count=95_000,
        avg_views=90_000,
    )
    make_profile(
        "home-kitchen",
        handle="ada_cooks",
        display_name="Ada CLEOPATRA",
        follower_count=5_000,
        avg_views=1_000,
    )


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/seller/creators")
    assert response.status_code == 302


@pytest.mark.parametrize("role", [Role.BUYER, Role.CREATOR])
def test_non_sellers_are_forbidden(app_ctx, client, auth, role):
    user = make_user(role)
    auth.login(user.email)
    assert client.get("/seller/creators").status_code == 403


def test_default_sort_is_by_followers(seller, creators, client):
    assert handles(client.get("/seller/creators")) == ["maya.lens", "jonfit", "cleo", "ada_cooks"]


def test_sort_by_average_views(seller, creators, client):
    assert handles(client.get("/seller/creators?sort=views")) == [
        "jonfit",
        "maya.lens",
        "cleo",
        "ada_cooks",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("q=cleo", ["cleo", "ada_cooks"], id="handle-or-name"),
        pytest.param("q=CLEO", ["cleo", "ada_cooks"], id="case-insensitive"),
        pytest.param("q=%40maya", ["maya.lens"], id="at-sign-ignored"),
        pytest.param("q=%25", [], id="percent-is-literal"),
        pytest.param("q=_", ["ada_cooks"], id="underscore-is-literal"),
        pytest.param("min_followers=50000", ["maya.lens", "jonfit"], id="followers-from"),
        pytest.param("max_followers=50000", ["cleo", "ada_cooks"], id="followers-up-to"),
        pytest.param(
            "min_followers=10000&max_followers=100000", ["jonfit", "cleo"], id="followers-range"
        ),
        pytest.param("min_views=60000", ["jonfit", "maya.lens"], id="views-from"),
    ],
)
def test_search_and_filters(seller, creators, client, query, expected):
    found = handles(client.get(f"/seller/creators?{query}"))
    assert sorted(found) == sorted(expected)


@pytest.mark.parametrize("name", ["min_followers", "max_followers", "min_views"])
@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param("99999999999999999999", "from 0 to 2,000,000,000", id="too-large"),
        pytest.param("-3", "from 0 to 2,000,000,000", id="negative"),
        pytest.param("lots", "from 0 to 2,000,000,000", id="not-a-number"),
        pytest.param("1.5", "from 0 to 2,000,000,000", id="not-whole"),
    ],
)
def test_a_bad_number_filter_is_answered_400_with_its_message_and_ignored(
    seller, creators, client, name, raw, message
):
    response = client.get("/seller/creators", query_string={name: raw})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "That filter was ignored." in page
    assert f'value="{raw}"' in page  # kept in its field, to correct
    found = re.findall(r'href="/creators/([a-z0-9_.]+)"', page)
    assert sorted(found) == ["ada_cooks", "cleo", "jonfit", "maya.lens"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("category=lipstick", "Category: That category does not exist. That filter was ignored."),
        ("category=99999999999999999999", "Category: That category does not exist."),
        ("sort=loudest", "Sort by: Choose a sort from the list. That filter was ignored."),
    ],
)
def test_an_unknown_choice_is_answered_400_with_its_message_and_ignored(
    seller, creators, client, query, message
):
    response = client.get(f"/seller/creators?{query}")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert len(re.findall(r'href="/creators/([a-z0-9_.]+)"', page)) == 4


def test_category_filter_matches_the_subcategory_and_its_parent(seller, creators, client):
    makeup = category("beauty-makeup").id
    beauty = category("beauty").id
    assert handles(client.get(f"/seller/creators?category={makeup}")) == ["jonfit"]
    assert handles(client.get(f"/seller/creators?category={beauty}")) == ["jonfit", "cleo"]


def test_rows_show_categories_and_figures(seller, creators, client):
    page = client.get("/seller/creators?q=jonfit").get_data(as_text=True)
    assert "95,000" in page
    assert "90,000" in page
    assert "Fitness" in page
    assert "Makeup" in page


def test_creators_without_the_creator_role_are_not_listed(seller, client, app_ctx):
    make_profile(handle="cleo")
    make_profile(handle="former", user_id=make_user(Role.BUYER).id)
    assert handles(client.get("/seller/creators")) == ["cleo"]


def test_pages_are_cut_in_the_database(seller, client, app_ctx):
    for index in range(25):
        make_profile(handle=f"creator_{index:02d}", follower_count=1000 + index)
    first = handles(client.get("/seller/creators"))
    second = handles(client.get("/seller/creators?page=2"))
    assert len(first) == 20
    assert len(second) == 5
    assert first[0] == "creator_24"
    assert second[-1] == "creator_00"
    assert not set(first) & set(second)
    beyond = handles(client.get("/seller/creators?page=9"))
    assert beyond == second  # past the end: the last page


def test_invite_link_appears_once_targeted_plans_exist(seller, creators, client, app):
    page = client.get("/seller/creators").get_data(as_text=True)
    if "plans.new_targeted" in app.view_functions:
        assert "Invite to a targeted plan" in page
        assert 'name="creator_ids"' in page
    else:
        assert "Invite to a targeted plan" not in page


def _statements(client, count_queries, url: str) -> int:
    client.get(url)
    before = count_queries.count
    assert client.get(url).status_code == 200
    return count_queries.count - before


@pytest.mark.parametrize(
    "url",
    ["/seller/creators", "/seller/creators?q=creator&min_followers=1&sort=views"],
)
def test_statement_count_is_constant(seller, client, count_queries, app_ctx, url):
    for index in range(5):
        make_profile("beauty-skincare", "home-kitchen", handle=f"creator_{index:02d}")
    with_5 = _statements(client, count_queries, url)
    for index in range(5, 40):
        make_profile("beauty-skincare", "fashion-men", handle=f"creator_{index:02d}")
    with_40 = _statements(client, count_queries, url)
    assert with_5 == with_40
    assert with_40 <= 10
