"""The "For you" feed: an explainable order, its why-lines, its cost, and "Seen in"."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import select

from affiliate.creators.attribution.models import EventKind
from affiliate.creators.attribution.tracking import record_event, visitor_key
from affiliate.creators.content import feed as feeds
from affiliate.creators.content.models import ContentStatus
from core.accounts.models import Role, User
from core.extensions import db
from core.types import utcnow
from shop.catalog.models import Category
from shop.catalog.queries import load_category_tree
from shop.orders.models import OrderStatus
from tests.creators.factories import make_live, make_profile, make_video
from tests.factories import make_user
from tests.shop.factories import category, make_order, make_product, make_store

HOURS = timedelta(hours=1)


@pytest.fixture
def world(app_ctx: Flask) -> SimpleNamespace:
    store = make_store(make_user(Role.SELLER))
    serum = make_product(store, title="Vitamin C Serum", category=category("beauty-skincare"))
    pan = make_product(store, title="Cast Iron Pan", category=category("home-kitchen"))
    mat = make_product(store, title="Yoga Mat", category=category("sports-fitness"))
    cleo = db.session.get(User, make_profile(handle="cleo").user_id)
    ada = db.session.get(User, make_profile(handle="ada_cooks").user_id)
    now = utcnow()
    popular = make_video(
        cleo.id, [serum], title="Glow routine", view_count=400, click_count=30,
        created_at=now - 48 * HOURS,
    )  # fmt: skip
    kitchen = make_video(ada.id, [pan], title="One-pan dinner", created_at=now - 2 * HOURS)
    old = make_video(cleo.id, [serum], title="Old routine", created_at=now - 96 * HOURS)
    buyer = make_user(Role.BUYER)
    return SimpleNamespace(
        store=store, serum=serum, pan=pan, mat=mat, cleo=cleo, ada=ada, buyer=buyer,
        popular=popular, kitchen=kitchen, old=old,
    )  # fmt: skip


def titles(items) -> list[str]:
    return [item.content.title for item in items]


def test_signed_out_the_feed_is_engagement_then_newest_with_reasons(world):
    page = feeds.feed(None, 1)
    assert titles(page.items) == ["Glow routine", "One-pan dinner", "Old routine"]
    assert [item.why for item in page.items] == [
        "Popular with shoppers",
        "New from @ada_cooks",
        "New from @cleo",
    ]
    assert page.total == 3
    first = page.items[0]
    assert first.creator.handle == "cleo"
    assert [card.title for card in first.cards] == ["Vitamin C Serum"]


def test_a_video_in_a_category_the_viewer_bought_comes_first(world):
    make_order(world.buyer, [(world.pan.variants[0], 1)], status=OrderStatus.DELIVERED)
    page = feeds.feed(world.buyer.id, 1)
    assert titles(page.items)[0] == "One-pan dinner"
    assert page.items[0].why == "Because you shop Kitchen"
    assert page.items[0].affinity == 1
    assert titles(page.items)[1:] == ["Glow routine", "Old routine"]


def test_the_top_level_category_counts_too(world):
    home = db.session.scalars(select(Category).where(Category.slug == "home")).one()
    sibling = db.session.scalars(
        select(Category).where(Category.parent_id == home.id, Category.slug != "home-kitchen")
    ).first()
    lamp = make_product(world.store, title="Desk Lamp", category=sibling)
    make_video(world.ada.id, [lamp], title="Cosy corner", created_at=utcnow() - 200 * HOURS)
    make_order(world.buyer, [(world.pan.variants[0], 1)])

    items = feeds.feed(world.buyer.id, 1).items
    assert titles(items)[:2] == ["One-pan dinner", "Cosy corner"]
    assert items[1].why == "Because you shop Home"


def test_unpaid_cancelled_and_refunded_orders_are_not_affinity(world):
    for status in (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        make_order(world.buyer, [(world.pan.variants[0], 1)], status=status)
    assert titles(feeds.feed(world.buyer.id, 1).items)[0] == "Glow routine"


def test_videos_the_viewer_watched_lend_their_categories(world):
    watched = make_video(world.ada.id, [world.mat], title="Morning stretch")
    make_video(world.ada.id, [world.mat], title="Core workout", created_at=utcnow() - 300 * HOURS)
    record_event(EventKind.VIEW, watched.id, world.ada.id, visitor=visitor_key(world.buyer.id, ""))
    db.session.commit()
    items = feeds.feed(world.buyer.id, 1).items
    assert set(titles(items)[:2]) == {"Morning stretch", "Core workout"}
    assert {item.why for item in items[:2]} == {"Because you watched videos about Fitness"}
    # Another visitor's views are not this viewer's.
    other = make_user(Role.BUYER)
    assert titles(feeds.feed(other.id, 1).items)[0] == "Glow routine"


def test_more_matching_products_rank_higher(world):
    skillet = make_product(world.store, title="Skillet", category=category("home-kitchen"))
    make_video(
        world.ada.id, [world.pan, skillet], title="Two pans", created_at=utcnow() - 300 * HOURS
    )
    make_order(world.buyer, [(world.pan.variants[0], 1)])
    items = feeds.feed(world.buyer.id, 1).items
    assert [(i.content.title, i.affinity) for i in items[:2]] == [
        ("Two pans", 2),
        ("One-pan dinner", 1),
    ]


def test_removed_videos_and_lives_are_not_in_the_feed(world):
    world.old.status = ContentStatus.REMOVED.value
    make_live(world.cleo.id, [world.serum], state="live")
    db.session.commit()
    assert titles(feeds.feed(None, 1).items) == ["Glow routine", "One-pan dinner"]


def test_the_feed_pages(world):
    for index in range(10):
        make_video(world.cleo.id, [], title=f"Clip {index}", created_at=utcnow() - 500 * HOURS)
    first, second = feeds.feed(None, 1, 10), feeds.feed(None, 2, 10)
    assert (first.total, first.pages, len(first.items), len(second.items)) == (13, 2, 10, 3)
    assert not set(titles(first.items)) & set(titles(second.items))


def _videos(creator: User, count: int, products) -> None:
    for index in range(count):
        make_video(creator.id, products, title=f"Batch {index}")


@pytest.mark.parametrize("path", ["/feed", "/"])
def test_the_feed_costs_the_same_for_2_or_12_videos(app_ctx, client, auth, path, count_queries):
    store = make_store(make_user(Role.SELLER))
    products = [
        make_product(store, category=category(slug), variants=variants)
        for slug, variants in (("home-kitchen", 1), ("beauty-skincare", 2), ("sports-fitness", 1))
    ]
    creator = db.session.get(User, make_profile().user_id)
    buyer = make_user(Role.BUYER)
    make_order(buyer, [(products[0].variants[0], 1)])
    _videos(creator, 2, products)
    auth.login(buyer.email)

    def cost() -> int:
        client.get(path)  # warm: the first request of a session may do more
        before = count_queries.count
        response = client.get(path)
        assert response.status_code == 200
        assert "Batch 0" in response.get_data(as_text=True) or path == "/"
        return count_queries.count - before

    few = cost()
    _videos(creator, 10, products)
    assert cost() == few


def test_the_home_page_shows_for_you(client, world):
    make_order(world.buyer, [(world.pan.variants[0], 1)])
    page = client.get("/").get_data(as_text=True)
    assert "For you" in page
    assert 'href="/feed"' in page
    assert "Popular with shoppers" in page
    assert f'href="/v/{world.popular.id}"' in page
    assert f'href="/c/{world.popular.id}/p/{world.serum.id}"' in page
    assert "js/feed.js" in page
    assert "data-slider" in page


def test_the_home_page_without_videos_has_no_for_you(client, app_ctx):
    assert "For you" not in client.get("/").get_data(as_text=True)


def test_the_feed_page(client, auth, world):
    make_order(world.buyer, [(world.pan.variants[0], 1)])
    db.session.commit()
    auth.login(world.buyer.email)
    page = client.get("/feed").get_data(as_text=True)
    assert page.index("One-pan dinner") < page.index("Glow routine")
    assert "Because you shop Kitchen" in page


def test_the_product_page_shows_where_it_was_seen(client, world):
    live = make_live(world.ada.id, [world.pan], state="live", title="Cooking live")
    removed = make_video(world.ada.id, [world.pan], title="Gone video")
    removed.status = ContentStatus.REMOVED.value
    db.session.commit()

    page = client.get(f"/p/{world.pan.id}").get_data(as_text=True)
    assert "Seen in" in page
    assert page.index("Cooking live") < page.index("One-pan dinner")
    assert f'href="/v/{world.kitchen.id}"' in page
    assert f'href="/live/{live.id}"' in page
    assert "LIVE" in page
    assert "@ada_cooks" in page
    assert "Gone video" not in page

    assert "Seen in" not in client.get(f"/p/{world.mat.id}").get_data(as_text=True)


def test_seen_in_is_one_statement_and_at_most_six(world, count_queries):
    for index in range(8):
        make_video(world.ada.id, [world.pan], title=f"Pan {index}")
    product_id = world.pan.id
    before = count_queries.count
    found = feeds.seen_in(product_id)
    assert count_queries.count - before == 1
    assert len(found) == 6
    assert feeds.seen_in(0) == []
    assert feeds.seen_in(2**40) == []


def test_the_viewer_affinity_uses_the_category_tree(world):
    make_order(world.buyer, [(world.pan.variants[0], 1)])
    affinity = feeds.viewer_affinity(world.buyer.id, load_category_tree())
    assert affinity.bought == {world.pan.category_id}
    assert affinity.bought_roots == {category("home").id}
    assert feeds.viewer_affinity(None, load_category_tree()).roots == frozenset()
