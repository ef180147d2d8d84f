"""The creator's relationship with a store, in a constant number of statements."""

from __future__ import annotations

from affiliate.crm import queries
from affiliate.messages.models import Side
from affiliate.plans.models import MembershipStatus
from core.extensions import db
from tests.creators.factories import make_commission, make_content, member
from tests.messages.helpers import a_creator, make_world, say
from tests.shop.factories import make_product


def test_relationship_counts_plans_content_money_and_last_contact(app_ctx):
    world = make_world()
    member(world.plan, world.creator.id, MembershipStatus.ACCEPTED)
    make_content(world.creator, [world.product])
    foreign = make_product(title="Elsewhere")  # another store's product
    make_content(world.creator, [foreign])
    commission = make_commission(world.creator, world.product, plan=world.plan, rate_bps=1000)
    message = say(world, Side.SELLER, "Hi")
    rel = queries.relationships(world.store.id, [world.creator.id])[world.creator.id]
    assert rel.plans_joined == 1
    assert rel.content_posted == 1
    assert rel.gmv == commission.base_amount
    assert rel.commission == commission.amount
    assert rel.samples_received == 0
    assert rel.last_contact == message.created_at
    assert rel.conversation_id == message.conversation_id


def test_relationship_of_another_store_is_empty(app_ctx):
    world = make_world()
    other = make_world(seller_email="other@example.com", handle="zed")
    member(world.plan, world.creator.id, MembershipStatus.ACCEPTED)
    say(world, Side.SELLER, "Hi")
    rel = queries.relationships(other.store.id, [world.creator.id])[world.creator.id]
    assert rel == queries.Relationship()


def test_relationship_statements_do_not_grow_with_creators(app_ctx, count_queries):
    world = make_world()
    few = [world.creator.id]
    many = few + [a_creator(f"c{n}x").id for n in range(6)]
    for creator_id in many:
        member(world.plan, creator_id, MembershipStatus.ACCEPTED)
    store_id = world.store.id
    db.session.expire_all()
    before = count_queries.count
    queries.relationships(store_id, few)
    one = count_queries.count - before
    before = count_queries.count
    queries.relationships(store_id, many)
    assert count_queries.count - before == one == 2
