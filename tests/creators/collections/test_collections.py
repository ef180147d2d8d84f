"""A creator groups showcase products into collections: ownership, limits, order; the public
page; and a purchase from a collection credits the creator like a content touch."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from affiliate.creators.attribution.models import Commission
from affiliate.creators.collections import services
from affiliate.creators.collections.exceptions import CollectionFull
from affiliate.creators.collections.models import Collection, CollectionItem
from affiliate.creators.content.models import Content, ContentKind, ContentProduct
from core.extensions import db
from tests.conftest import post_form
from tests.creators.factories import showcase
from tests.shop.catalog.test_buyer_query_counts import statements_for
from tests.shop.factories import make_product, make_store
from tests.shop.orders.helpers import add, pay, payment_id_of, place

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"}


def _create(client, name: str = "Summer glow") -> int:
    response = post_form(client, "/creator/collections", {"name": name, "description": "Picks"})
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.search(r"/creator/collections/(\d+)", response.headers["Location"]).group(1))


def _add(client, collection_id: int, product_id: int):
    return post_form(
        client, f"/creator/collections/{collection_id}/products", {"product_id": str(product_id)}
    )


def _items(collection_id: int) -> list[int]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(CollectionItem.product_id)
            .where(CollectionItem.collection_id == collection_id)
            .order_by(CollectionItem.position)
        )
    )


def test_creator_creates_a_collection_and_adds_showcase_products(world, client, auth):
    auth.login(world.creator_email)
    collection_id = _create(client)
    assert _add(client, collection_id, world.serum).status_code == 303
    assert _add(client, collection_id, world.balm).status_code == 303
    assert _items(collection_id) == [world.serum, world.balm]
    collection = db.session.get(Collection, collection_id)
    assert (collection.slug, collection.product_count) == ("summer-glow", 2)


def test_only_showcase_products_can_be_added(world, client, auth):
    auth.login(world.creator_email)
    collection_id = _create(client)
    response = _add(client, collection_id, world.not_showcased)
    assert response.status_code == 409
    assert "showcase" in response.get_data(as_text=True)
    assert _items(collection_id) == []


def test_a_product_goes_in_a_collection_once(world, client, auth):
    auth.login(world.creator_email)
    collection_id = _create(client)
    _add(client, collection_id, world.serum)
    assert _add(client, collection_id, world.serum).status_code == 409
    assert db.session.get(Collection, collection_id).product_count == 1


def test_a_collection_holds_at_most_a_hundred_products(world):
    store = make_store()
    products = [make_product(store, title=f"Item {n}") for n in range(101)]
    for product in products:
        showcase(world.creator_id, product)
    collection = services.create_collection(world.creator_id, "Everything")
    for product in products[:100]:
        services.add_product(collection, product.id)
    db.session.commit()
    with pytest.raises(CollectionFull):
        services.add_product(collection, products[100].id)
    db.session.rollback()
    assert db.session.scalar(select(func.count(CollectionItem.id))) == 100


def test_the_hundred_and_first_product_is_refused_over_http(world, client, auth):
    collection = services.create_collection(world.creator_id, "Full")
    collection.product_count = 100  # as if full: the limit reads the kept count
    db.session.commit()
    auth.login(world.creator_email)
    response = _add(client, collection.id, world.serum)
    assert response.status_code == 409
    assert "up to 100 products" in response.get_data(as_text=True)


def test_another_creators_collection_is_not_found(world, client, auth):
    collection = services.create_collection(world.other_creator_id, "Olga's")
    db.session.commit()
    auth.login(world.creator_email)
    assert client.get(f"/creator/collections/{collection.id}").status_code == 404
    assert _add(client, collection.id, world.serum).status_code == 404
    rename = post_form(client, f"/creator/collections/{collection.id}/rename", {"name": "Mine"})
    assert rename.status_code == 404
    assert post_form(client, f"/creator/collections/{collection.id}/delete").status_code == 404
    assert db.session.get(Collection, collection.id).name == "Olga's"


def test_rename_keeps_the_link(world, client, auth):
    auth.login(world.creator_email)
    collection_id = _create(client, "Summer glow")
    response = post_form(client, f"/creator/collections/{collection_id}/rename", {"name": "Fall"})
    assert response.status_code == 303
    collection = db.session.get(Collection, collection_id)
    assert (collection.name, collection.slug) == ("Fall", "summer-glow")


def test_a_nameless_collection_is_refused(world, client, auth):
    auth.login(world.creator_email)
    response = post_form(client, "/creator/collections", {"name": "  "})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Collection.id))) == 0


def test_products_move_and_go(world, client, auth):
    auth.login(world.creator_email)
    collection_id = _create(client)
    _add(client, collection_id, world.serum)
    _add(client, collection_id, world.balm)
    moved = post_form(client, f"/creator/collections/{collection_id}/products/{world.balm}/up")
    assert moved.status_code == 303
    assert _items(collection_id) == [world.balm, world.serum]
    removed = post_form(
        client, f"/creator/collections/{collection_id}/products/{world.balm}/remove"
    )
    assert removed.status_code == 303
    assert _items(collection_id) == [world.serum]
    assert db.session.get(Collection, collection_id).product_count == 1


def test_delete_a_collection(world, client, auth):
    auth.login(world.creator_email)
    collection_id = _create(client)
    _add(client, collection_id, world.serum)
    assert post_form(client, f"/creator/collections/{collection_id}/delete").status_code == 303
    assert db.session.get(Collection, collection_id) is None


def test_a_buyer_cannot_open_the_creator_centre_pages(world, client, auth):
    auth.login(world.buyer_email)
    assert client.get("/creator/collections").status_code == 403


def _public_collection(world) -> Collection:
    collection = services.create_collection(world.creator_id, "Summer glow", "My picks")
    services.add_product(collection, world.serum)
    services.add_product(collection, world.balm)
    db.session.commit()
    return collection


def test_public_page_for_signed_out_viewers(world, client):
    _public_collection(world)
    response = client.get("/creators/cleo/collections/summer-glow")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Glow serum" in page
    assert "Lip balm" in page
    assert client.get("/creators/cleo/collections/nope").status_code == 404
    assert client.get("/creators/olga/collections/summer-glow").status_code == 404


def test_profile_lists_the_collections(world, client):
    _public_collection(world)
    page = client.get("/creators/cleo").get_data(as_text=True)
    assert "/creators/cleo/collections/summer-glow" in page


def test_a_product_not_in_the_collection_is_not_a_touch(world, client):
    _public_collection(world)
    response = client.get(f"/creators/cleo/collections/summer-glow/p/{world.not_showcased}")
    assert response.status_code == 404


def _buy(client, auth, world, variant_id: int) -> None:
    add(client, variant_id)
    pay(client, payment_id_of(place(client)))


def test_buying_from_a_collection_credits_the_creator(world, client, auth):
    collection = _public_collection(world)
    auth.login(world.buyer_email)
    tap = client.get(f"/creators/cleo/collections/summer-glow/p/{world.serum}", headers=BROWSER)
    assert tap.status_code == 302
    assert tap.headers["Location"].endswith(f"/p/{world.serum}")
    _buy(client, auth, world, world.serum_variant)
    earned = db.session.scalars(select(Commission)).one()
    assert (earned.creator_id, earned.collection_id, earned.content_id) == (
        world.creator_id,
        collection.id,
        None,
    )
    assert (earned.state, earned.amount) == ("pending", 200)  # 10% of 20.00
    auth.logout()
    auth.login(world.creator_email)
    centre = client.get("/creator/collections").get_data(as_text=True)
    assert "1 sale · $2.00 commission" in centre


def _video_of(creator_id: int, product_id: int) -> Content:
    content = Content(
        creator_id=creator_id,
        kind=ContentKind.VIDEO.value,
        title="Routine",
        external_url="https://videos.example.com/routine",
    )
    content.products = [ContentProduct(product_id=product_id, position=0)]
    db.session.add(content)
    db.session.commit()
    return content


def test_a_later_video_touch_wins_over_the_collection(world, client, auth):
    _public_collection(world)
    video = _video_of(world.other_creator_id, world.serum)
    auth.login(world.buyer_email)
    client.get(f"/creators/cleo/collections/summer-glow/p/{world.serum}", headers=BROWSER)
    client.get(f"/c/{video.id}/p/{world.serum}", headers=BROWSER)
    _buy(client, auth, world, world.serum_variant)
    earned = db.session.scalars(select(Commission)).one()
    assert (earned.creator_id, earned.content_id, earned.collection_id) == (
        world.other_creator_id,
        video.id,
        None,
    )


def test_a_later_collection_touch_wins_over_a_video(world, client, auth):
    collection = _public_collection(world)
    video = _video_of(world.other_creator_id, world.serum)
    auth.login(world.buyer_email)
    client.get(f"/c/{video.id}/p/{world.serum}", headers=BROWSER)
    client.get(f"/creators/cleo/collections/summer-glow/p/{world.serum}", headers=BROWSER)
    _buy(client, auth, world, world.serum_variant)
    earned = db.session.scalars(select(Commission)).one()
    assert (earned.creator_id, earned.collection_id) == (world.creator_id, collection.id)


def test_a_creator_buying_from_their_own_collection_is_held_for_fraud_review(world, client, auth):
    # It used to earn nothing, silently; it earns now and the self-purchase rule holds it.
    _public_collection(world)
    auth.login(world.creator_email)
    client.get(f"/creators/cleo/collections/summer-glow/p/{world.serum}", headers=BROWSER)
    _buy(client, auth, world, world.serum_variant)
    [commission] = db.session.scalars(select(Commission)).all()
    assert (commission.state, commission.held) == ("pending", True)


def test_public_page_statements_do_not_grow_with_products(world, client, count_queries):
    _public_collection(world)
    few = statements_for(client, count_queries, "/creators/cleo/collections/summer-glow")
    big = services.create_collection(world.creator_id, "Big")
    store = make_store()
    for n in range(30):
        product = make_product(store, title=f"Thing {n}")
        showcase(world.creator_id, product)
        services.add_product(big, product.id)
    db.session.commit()
    many = statements_for(client, count_queries, "/creators/cleo/collections/big")
    assert few == many, count_queries.statements


def test_centre_and_profile_statements_do_not_grow_with_collections(
    world, client, auth, count_queries
):
    _public_collection(world)
    auth.login(world.creator_email)
    few_centre = statements_for(client, count_queries, "/creator/collections")
    few_profile = statements_for(client, count_queries, "/creators/cleo")
    for n in range(6):
        collection = services.create_collection(world.creator_id, f"Set {n}")
        services.add_product(collection, world.serum)
        services.add_product(collection, world.balm)
    db.session.commit()
    assert statements_for(client, count_queries, "/creator/collections") == few_centre
    assert statements_for(client, count_queries, "/creators/cleo") == few_profile
