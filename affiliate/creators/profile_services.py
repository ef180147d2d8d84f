"""Creator profiles: onboarding and editing, the public page's data, and the sellers' directory.

Functions take ids and domain objects, flush, and leave the commit to the caller.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from affiliate.accounts import services as accounts
from affiliate.accounts.models import Role, User, UserRole
from affiliate.creators.models import HANDLE_PATTERN, CreatorCategory, CreatorProfile
from affiliate.extensions import db
from affiliate.pagination import Page
from affiliate.plans.models import ShowcaseItem
from shop.catalog.models import Category, Product, ProductStatus

_HANDLE = re.compile(HANDLE_PATTERN)
MAX_CATEGORIES = 5
MAX_FIGURE = 2_000_000_000  # fits the Integer columns
DIRECTORY_PER_PAGE = 20


class ProfileError(Exception):
    """A profile change that cannot be made; ``field`` names the form field at fault."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidHandle(ProfileError):
    def __init__(self) -> None:
        super().__init__(
            "Use 3 to 30 characters: lowercase letters, digits, dots and underscores.",
            field="handle",
        )


class HandleTaken(ProfileError):
    def __init__(self) -> None:
        super().__init__("That handle is taken; choose another.", field="handle")


class InvalidProfile(ProfileError):
    pass


@dataclass(frozen=True)
class ProfileInput:
    handle: str
    display_name: str
    bio: str = ""
    follower_count: int = 0
    avg_views: int = 0
    category_ids: Sequence[int] = ()


def normalise_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def profile_for_user(user_id: int) -> CreatorProfile | None:
    return db.session.scalar(
        select(CreatorProfile)
        .where(CreatorProfile.user_id == user_id)
        .options(selectinload(CreatorProfile.categories))
    )


def profile_by_handle(handle: str) -> CreatorProfile | None:
    return db.session.scalar(
        select(CreatorProfile)
        .where(CreatorProfile.handle == normalise_handle(handle))
        .options(selectinload(CreatorProfile.categories))
    )


def _check(data: ProfileInput, profile_id: int | None) -> str:
    handle = normalise_handle(data.handle)
    if not _HANDLE.fullmatch(handle):
        raise InvalidHandle
    if not data.display_name.strip() or len(data.display_name.strip()) > 80:
        raise InvalidProfile("Give a display name of at most 80 characters.", field="display_name")
    for field, value in (("follower_count", data.follower_count), ("avg_views", data.avg_views)):
        if not 0 <= value <= MAX_FIGURE:
            raise InvalidProfile("Enter a whole number, zero or more.", field=field)
    if len(set(data.category_ids)) > MAX_CATEGORIES:
        raise InvalidProfile(f"Choose at most {MAX_CATEGORIES} categories.", field="categories")
    if data.category_ids:
        known = set(
            db.session.scalars(select(Category.id).where(Category.id.in_(set(data.category_ids))))
        )
        if known != set(data.category_ids):
            raise InvalidProfile("Choose categories from the list.", field="categories")
    taken = select(CreatorProfile.id).where(CreatorProfile.handle == handle)
    if profile_id is not None:
        taken = taken.where(CreatorProfile.id != profile_id)
    if db.session.scalar(taken) is not None:
        raise HandleTaken
    return handle


def save_profile(
    user: User, data: ProfileInput, *, avatar_path: str | None = None
) -> tuple[CreatorProfile, str | None]:
    """Create or update ``user``'s profile, granting them the creator role on creation.

    Returns the profile and the avatar file that a new avatar made obsolete (to remove after
    the commit).
    """
    profile = profile_for_user(user.id)
    handle = _check(data, profile.id if profile else None)
    obsolete = None
    if profile is None:
        profile = CreatorProfile(user_id=user.id)
        db.session.add(profile)
        accounts.add_self_service_role(user, Role.CREATOR)
    profile.handle = handle
    profile.display_name = data.display_name.strip()
    profile.bio = data.bio.strip()
    profile.follower_count = data.follower_count
    profile.avg_views = data.avg_views
    if avatar_path is not None:
        obsolete, profile.avatar_path = profile.avatar_path, avatar_path
    wanted = list(dict.fromkeys(data.category_ids))
    kept = [c for c in profile.categories if c.category_id in wanted]
    have = {c.category_id for c in kept}
    profile.categories = kept + [
        CreatorCategory(category_id=cid) for cid in wanted if cid not in have
    ]
    db.session.flush()
    return profile, obsolete


@dataclass(frozen=True)
class ShowcaseEntry:
    product_id: int
    title: str
    price: int
    currency: str
    thumb_path: str | None
    store_name: str
    store_handle: str


def showcase(creator_id: int) -> list[ShowcaseEntry]:
    """The creator's showcased products that are on sale, newest first: one query."""
    from shop.catalog.models import Store

    rows = db.session.execute(
        select(
            Product.id,
            Product.title,
            Product.price,
            Product.currency,
            Product.cover_thumb_path,
            Store.name,
            Store.handle,
        )
        .select_from(ShowcaseItem)
        .join(Product, Product.id == ShowcaseItem.product_id)
        .join(Store, Store.id == Product.store_id)
        .where(
            ShowcaseItem.creator_id == creator_id,
            Product.status == ProductStatus.ACTIVE.value,
        )
        .order_by(ShowcaseItem.added_at.desc(), ShowcaseItem.id.desc())
    ).all()
    return [ShowcaseEntry(*row) for row in rows]


# --- the directory ---------------------------------------------------------------------------


class DirectorySort(StrEnum):
    FOLLOWERS = "followers"
    VIEWS = "views"
    NEWEST = "newest"

    @property
    def label(self) -> str:
        return {
            DirectorySort.FOLLOWERS: "Most followers",
            DirectorySort.VIEWS: "Most average views",
            DirectorySort.NEWEST: "Newest",
        }[self]


@dataclass(frozen=True)
class DirectoryQuery:
    text: str = ""
    category_id: int | None = None
    min_followers: int | None = None
    max_followers: int | None = None
    min_views: int | None = None
    sort: DirectorySort = DirectorySort.FOLLOWERS
    page: int = 1
    per_page: int = DIRECTORY_PER_PAGE


def _directory_filters(query: DirectoryQuery) -> list:
    conditions = [
        exists().where(
            UserRole.user_id == CreatorProfile.user_id, UserRole.role == Role.CREATOR.value
        ),
        exists().where(User.id == CreatorProfile.user_id, User.suspended_at.is_(None)),
    ]
    text = query.text.strip().lstrip("@").lower()
    if text:
        conditions.append(
            or_(
                CreatorProfile.handle.contains(text, autoescape=True),
                func.lower(CreatorProfile.display_name).contains(text, autoescape=True),
            )
        )
    if query.category_id is not None:
        # A top-level category matches creators of any of its subcategories too.
        in_tree = select(Category.id).where(
            or_(Category.id == query.category_id, Category.parent_id == query.category_id)
        )
        conditions.append(
            exists().where(
                CreatorCategory.profile_id == CreatorProfile.id,
                CreatorCategory.category_id.in_(in_tree),
            )
        )
    if query.min_followers is not None:
        conditions.append(CreatorProfile.follower_count >= query.min_followers)
    if query.max_followers is not None:
        conditions.append(CreatorProfile.follower_count <= query.max_followers)
    if query.min_views is not None:
        conditions.append(CreatorProfile.avg_views >= query.min_views)
    return conditions


def _directory_order(sort: DirectorySort) -> tuple:
    if sort is DirectorySort.VIEWS:
        return (CreatorProfile.avg_views.desc(), CreatorProfile.follower_count.desc())
    if sort is DirectorySort.NEWEST:
        return (CreatorProfile.created_at.desc(),)
    return (CreatorProfile.follower_count.desc(), CreatorProfile.avg_views.desc())


def search_directory(query: DirectoryQuery) -> Page[CreatorProfile]:
    """A page of creators matching the filters: three statements whatever their number."""
    conditions = _directory_filters(query)
    total = (
        db.session.scalar(select(func.count()).select_from(CreatorProfile).where(*conditions)) or 0
    )
    page = min(max(query.page, 1), max(1, -(-total // query.per_page)))
    items = list(
        db.session.scalars(
            select(CreatorProfile)
            .where(*conditions)
            .order_by(*_directory_order(query.sort), CreatorProfile.id.desc())
            .limit(query.per_page)
            .offset((page - 1) * query.per_page)
            .options(selectinload(CreatorProfile.categories))
        )
    )
    return Page(items=items, page=page, per_page=query.per_page, total=total)
