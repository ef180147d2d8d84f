"""A small world for the free-sample tests: a store, a creator who showcases its product, an
address; every helper commits, as the factories do."""

from __future__ import annotations

from dataclasses import dataclass

from affiliate.plans.samples import services as samples
from affiliate.plans.samples.models import SampleRequest
from core.accounts.models import Role, User
from core.extensions import db
from shop.catalog.models import Product, Store, Variant
from shop.orders.checkout.models import Address
from shop.orders.checkout.services import add_address
from tests.creators.factories import make_profile, open_plan, showcase
from tests.factories import make_user
from tests.shop.factories import make_product, make_store

NOTE = "A 60-second morning routine video, posted next week."


@dataclass
class Samples:
    seller: User
    store: Store
    product: Product
    other_product: Product  # same store, not in the creator's showcase
    creator: User
    address: Address

    @property
    def variant(self) -> Variant:
        return self.product.variants[0]


def address_for(user: User) -> Address:
    address = add_address(
        user.id,
        full_name=user.display_name,
        line1="5 Studio Lane",
        city="Austin",
        postal_code="73301",
        country="US",
    )
    db.session.commit()
    return address


def a_creator(handle: str, *, followers: int = 1000) -> User:
    profile = make_profile(handle=handle, follower_count=followers)
    return db.session.get(User, profile.user_id)


def showcasing(product: Product, handle: str = "cleo", **kwargs: object) -> tuple[User, Address]:
    """A creator (with a profile) who has ``product`` in their showcase, and their address."""
    creator = a_creator(handle, **kwargs)  # type: ignore[arg-type]
    showcase(creator.id, product)
    return creator, address_for(creator)


def make_world(*, stock: int = 5, seller_email: str = "sal@example.com") -> Samples:
    seller = make_user(Role.SELLER, email=seller_email)
    store = make_store(seller, name="Sal's Serums")
    product = make_product(store, title="Night serum", price=2500, stock=stock, variants=2)
    other = make_product(store, title="Day cream", price=1800, stock=stock)
    open_plan(store, 1500, [product, other])
    creator, address = showcasing(product)
    return Samples(seller, store, product, other, creator, address)


def ask(world: Samples, creator: User | None = None, **kwargs: object) -> SampleRequest:
    """A request for the world's product (by its creator unless told), committed."""
    creator = creator or world.creator
    values: dict = {
        "product_id": world.product.id,
        "variant_id": world.variant.id,
        "note": NOTE,
        "address_id": None,
    }
    values.update(kwargs)
    if values["address_id"] is None and "new_address" not in values:
        values["address_id"] = (
            world.address.id if creator.id == world.creator.id else address_for(creator).id
        )
    sample = samples.request_sample(creator, **values)
    db.session.commit()
    return sample
