"""The seller's store: opening it (one per account, which makes the account a seller), its
handle (the address of its page), its details and images; and the category tree products sit in.

Plain functions over ids and objects. They validate, change rows and flush; the caller (a view,
the demo seeder) commits, so one action is one transaction. Files are never touched here:
images come as paths already written, and what a change makes obsolete is returned for the
caller to remove once its transaction has committed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.accounts.recovery import verification_required_message
from core.audit import services as audit
from core.extensions import db
from core.money import CURRENCIES
from shop.catalog.exceptions import (
    CurrencyLocked,
    HandleTaken,
    InvalidHandle,
    StoreAlreadyOpen,
    StoreError,
    StoreNeedsVerifiedEmail,
)
from shop.catalog.models import Category, Product, Store

HANDLE_MIN, HANDLE_MAX = 3, 40
_HANDLE = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
RESERVED_HANDLES = frozenset({"admin", "api", "media", "new", "seller", "shop", "static", "store"})

# ---------------------------------------------------------------------------------------------
# Stores
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreInput:
    name: str
    handle: str
    description: str = ""
    currency: str = "USD"
    return_address: str = ""


class _Unset:
    """Marks an image argument that the caller leaves as it is."""


UNCHANGED = _Unset()


def suggest_handle(name: str) -> str:
    """A handle made from a store name: ``"Glow Lab!"`` → ``"glow-lab"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    handle = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:HANDLE_MAX].strip("-")
    if len(handle) < HANDLE_MIN:
        handle = (handle + "-store").strip("-") if handle else "my-store"
    return handle


def normalise_handle(handle: str) -> str:
    """Lower-case a handle and check its shape; raise ``InvalidHandle`` with the rule broken."""
    handle = handle.strip().lower()
    if not HANDLE_MIN <= len(handle) <= HANDLE_MAX:
        raise InvalidHandle(f"Use {HANDLE_MIN} to {HANDLE_MAX} characters for the handle.")
    if not _HANDLE.fullmatch(handle):
        raise InvalidHandle(
            "Use lowercase letters, digits and hyphens only, starting and ending with a "
            "letter or digit."
        )
    if handle in RESERVED_HANDLES:
        raise InvalidHandle("That handle is reserved; choose another.")
    return handle


def handle_available(handle: str, *, except_store_id: int | None = None) -> bool:
    query = select(Store.id).where(Store.handle == handle.strip().lower())
    if except_store_id is not None:
        query = query.where(Store.id != except_store_id)
    return db.session.scalar(query) is None


def available_handle(name: str) -> str:
    """A free handle suggested from ``name`` (adding ``-2``, ``-3``… when taken)."""
    base = suggest_handle(name)
    candidate, number = base, 1
    while not handle_available(candidate) or candidate in RESERVED_HANDLES:
        number += 1
        suffix = f"-{number}"
        candidate = base[: HANDLE_MAX - len(suffix)].rstrip("-") + suffix
    return candidate


def get_store_for_owner(user_id: int) -> Store | None:
    # The owner is usually the signed-in user, already in the session: no join needed.
    query = select(Store).where(Store.owner_id == user_id).options(lazyload(Store.owner))
    return db.session.scalar(query)


def _check_store(data: StoreInput) -> tuple[str, str]:
    name = data.name.strip()
    if not name or len(name) > 80:
        raise StoreError("Give your store a name of at most 80 characters.", field="name")
    currency = data.currency.strip().upper()
    if currency not in CURRENCIES:
        raise StoreError(f"Choose one of {', '.join(CURRENCIES)}.", field="currency")
    return name, currency


def create_store(
    owner: User,
    data: StoreInput,
    *,
    logo_path: str | None = None,
    banner_path: str | None = None,
) -> Store:
    """Open the owner's one store and make them a seller (audited), in the caller's transaction."""
    if owner.email_verified_at is None:
        raise StoreNeedsVerifiedEmail(verification_required_message("open a store"))
    name, currency = _check_store(data)
    handle = normalise_handle(data.handle)
    if get_store_for_owner(owner.id) is not None:
        raise StoreAlreadyOpen("You already have a store; edit it instead.")
    if not handle_available(handle):
        raise HandleTaken(f"The handle “{handle}” is taken; try {available_handle(handle)}.")
    store = Store(
        owner_id=owner.id,
        name=name,
        handle=handle,
        description=data.description.strip(),
        currency=currency,
        return_address=data.return_address.strip(),
        logo_path=logo_path,
        banner_path=banner_path,
    )
    try:
        with db.session.begin_nested():
            db.session.add(store)
    except IntegrityError:
        # A concurrent request took the handle (or opened this owner's store) first.
        if get_store_for_owner(owner.id) is not None:
            raise StoreAlreadyOpen("You already have a store; edit it instead.") from None
        raise HandleTaken(f"The handle “{handle}” is taken; choose another.") from None
    accounts.add_self_service_role(owner, Role.SELLER)
    audit.record(
        actor_id=owner.id,
        action="store_opened",
        subject_type="store",
        subject_id=store.id,
        to_state=handle,
    )
    return store


def store_has_products(store: Store) -> bool:
    return (
        db.session.scalar(select(Product.id).where(Product.store_id == store.id).limit(1))
        is not None
    )


def update_store(
    store: Store,
    data: StoreInput,
    *,
    logo_path: _Unset | str | None = UNCHANGED,
    banner_path: _Unset | str | None = UNCHANGED,
) -> list[str]:
    """Change the store's details; return the image files that are no longer used."""
    name, currency = _check_store(data)
    handle = normalise_handle(data.handle)
    if handle != store.handle and not handle_available(handle, except_store_id=store.id):
        raise HandleTaken(f"The handle “{handle}” is taken; choose another.")
    if currency != store.currency and store_has_products(store):
        raise CurrencyLocked(
            "Your products are priced in "
            f"{store.currency}; the currency cannot change once the store has products."
        )
    obsolete: list[str] = []
    if not isinstance(logo_path, _Unset):
        if store.logo_path and store.logo_path != logo_path:
            obsolete.append(store.logo_path)
        store.logo_path = logo_path
    if not isinstance(banner_path, _Unset):
        if store.banner_path and store.banner_path != banner_path:
            obsolete.append(store.banner_path)
        store.banner_path = banner_path
    store.name = name
    store.handle = handle
    store.description = data.description.strip()
    store.currency = currency
    store.return_address = data.return_address.strip()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise HandleTaken(f"The handle “{handle}” is taken; choose another.") from None
    return obsolete


# ---------------------------------------------------------------------------------------------
# Categories
# ---------------------------------------------------------------------------------------------


def category_tree() -> list[tuple[Category, list[Category]]]:
    """The seeded tree as (top level, its subcategories), both in their set order."""
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.id))
    parents: dict[int, tuple[Category, list[Category]]] = {}
    children: list[Category] = []
    for category in categories:
        if category.parent_id is None:
            parents[category.id] = (category, [])
        else:
            children.append(category)
    for child in children:
        if child.parent_id in parents:
            parents[child.parent_id][1].append(child)
    return list(parents.values())
