"""Creator profiles: onboarding and editing, the public page's data, and the sellers' directory.

Functions take ids and domain objects, flush, and leave the commit to the caller.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, cast, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import selectinload

from affiliate.creators.attribution.models import Commission, ContentDailyStat
from affiliate.creators.centre.dashboards import net_base
from affiliate.plans.models import ShowcaseItem
from affiliate.profiles.models import HANDLE_PATTERN, CreatorCategory, CreatorProfile
from core.accounts import services as accounts
from core.accounts.models import Role, User, UserRole
from core.extensions import db
from core.types import utcnow
from core.web.pagination import Page
from shop.catalog.models import Category, Product, ProductStatus

_HANDLE = re.compile(HANDLE_PATTERN)
MAX_CATEGORIES = 5
MAX_FIGURE = 2_000_000_000  # fits the Integer columns
DIRECTORY_PER_PAGE = 20
#: Measured figures in the directory (GMV, conversion) cover this many days.
MEASURED_DAYS = 90


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
    GMV = "gmv"
    CONVERSION = "conversion"
    NEWEST = "newest"

    @property
    def label(self) -> str:
        return {
            DirectorySort.FOLLOWERS: "Most followers",
            DirectorySort.VIEWS: "Most average views",
            DirectorySort.GMV: f"Most GMV ({MEASURED_DAYS} days)",
            DirectorySort.CONVERSION: f"Best conversion ({MEASURED_DAYS} days)",
            DirectorySort.NEWEST: "Newest",
        }[self]


@dataclass(frozen=True)
class DirectoryQuery:
    text: str = ""
    category_id: int | None = None
    min_followers: int | None = None
    max_followers: int | None = None
    min_views: int | None = None
    min_gmv: int | None = None  # minor units of ``currency``, over ``MEASURED_DAYS``
    sort: DirectorySort = DirectorySort.FOLLOWERS
    page: int = 1
    per_page: int = DIRECTORY_PER_PAGE
    currency: str = "USD"


@dataclass(frozen=True)
class Measured:
    """A creator's measured figures over ``MEASURED_DAYS``.

    GMV: what buyers paid on order lines attributed to the creator, net of reversals (from
    commissions). Conversion: orders per product-card click (from the daily rollups).
    """

    gmv: int = 0
    orders: int = 0
    clicks: int = 0

    @property
    def conversion(self) -> float | None:
        return self.orders / self.clicks if self.clicks else None


@dataclass(frozen=True)
class DirectoryPage(Page[CreatorProfile]):
    """A page of creators, with the measured figures of those on it (by user id)."""

    measured: dict[int, Measured] = dataclasses.field(default_factory=dict)

    def figures(self, user_id: int) -> Measured:
        return self.measured.get(user_id, Measured())


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
    if query.min_gmv is not None and query.min_gmv > 0:
        gmv = _measured_gmv(query.currency)
        conditions.append(
            CreatorProfile.user_id.in_(select(gmv.c.creator_id).where(gmv.c.gmv >= query.min_gmv))
        )
    return conditions


def _measured_since() -> Any:
    return utcnow() - timedelta(days=MEASURED_DAYS)


def _measured_gmv(currency: str, creator_ids: Sequence[int] | None = None) -> Any:
    """GMV per creator over ``MEASURED_DAYS``, net of reversals, as a subquery."""
    query = select(
        Commission.creator_id.label("creator_id"), func.sum(net_base()).label("gmv")
    ).where(Commission.created_at >= _measured_since(), Commission.currency == currency)
    if creator_ids is not None:
        query = query.where(Commission.creator_id.in_(creator_ids))
    return query.group_by(Commission.creator_id).subquery("measured_gmv")


def _measured_funnel(creator_ids: Sequence[int] | None = None) -> Any:
    """Orders and product-card clicks per creator over ``MEASURED_DAYS`` (rollups)."""
    stat = ContentDailyStat
    query = select(
        stat.creator_id.label("creator_id"),
        func.sum(stat.orders).label("orders"),
        func.sum(stat.clicks).label("clicks"),
    ).where(stat.product_id == 0, stat.day >= _measured_since().date())
    if creator_ids is not None:
        query = query.where(stat.creator_id.in_(creator_ids))
    return query.group_by(stat.creator_id).subquery("measured_funnel")


def measured_figures(user_ids: Sequence[int], currency: str) -> dict[int, Measured]:
    """The measured figures of these creators (by user id): one statement."""
    if not user_ids:
        return {}
    gmv = _measured_gmv(currency, user_ids)
    funnel = _measured_funnel(user_ids)
    zero = literal(0)
    both = union_all(
        select(gmv.c.creator_id, gmv.c.gmv, zero.label("orders"), zero.label("clicks")),
        select(funnel.c.creator_id, zero, funnel.c.orders, funnel.c.clicks),
    ).subquery("measured")
    rows = db.session.execute(
        select(
            both.c.creator_id,
            func.sum(both.c.gmv),
            func.sum(both.c.orders),
            func.sum(both.c.clicks),
        ).group_by(both.c.creator_id)
    ).all()
    return {
        creator_id: Measured(int(gmv or 0), int(orders or 0), int(clicks or 0))
        for creator_id, gmv, orders, clicks in rows
    }


def _directory_order(query: DirectoryQuery, statement: Any) -> Any:
    """Order the page's statement, joining the measured figures that a sort needs."""
    sort = query.sort
    if sort is DirectorySort.VIEWS:
        return statement.order_by(
            CreatorProfile.avg_views.desc(), CreatorProfile.follower_count.desc()
        )
    if sort is DirectorySort.NEWEST:
        return statement.order_by(CreatorProfile.created_at.desc())
    if sort is DirectorySort.GMV:
        gmv = _measured_gmv(query.currency)
        return statement.outerjoin(gmv, gmv.c.creator_id == CreatorProfile.user_id).order_by(
            func.coalesce(gmv.c.gmv, 0).desc(), CreatorProfile.follower_count.desc()
        )
    if sort is DirectorySort.CONVERSION:
        funnel = _measured_funnel()
        rate = cast(funnel.c.orders, Float) / func.nullif(funnel.c.clicks, 0)
        return statement.outerjoin(funnel, funnel.c.creator_id == CreatorProfile.user_id).order_by(
            func.coalesce(rate, -1.0).desc(),
            func.coalesce(funnel.c.clicks, 0).desc(),
            CreatorProfile.follower_count.desc(),
        )
    return statement.order_by(CreatorProfile.follower_count.desc(), CreatorProfile.avg_views.desc())


def search_directory(query: DirectoryQuery) -> DirectoryPage:
    """A page of creators matching the filters, with their measured figures: four
    statements whatever their number."""
    conditions = _directory_filters(query)
    total = (
        db.session.scalar(select(func.count()).select_from(CreatorProfile).where(*conditions)) or 0
    )
    page = min(max(query.page, 1), max(1, -(-total // query.per_page)))
    statement = _directory_order(query, select(CreatorProfile).where(*conditions))
    items = list(
        db.session.scalars(
            statement.order_by(CreatorProfile.id.desc())
            .limit(query.per_page)
            .offset((page - 1) * query.per_page)
            .options(selectinload(CreatorProfile.categories))
        )
    )
    return DirectoryPage(
        items=items,
        page=page,
        per_page=query.per_page,
        total=total,
        measured=measured_figures([p.user_id for p in items], query.currency),
    )
