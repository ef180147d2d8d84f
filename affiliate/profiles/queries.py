"""The sellers' creator directory: search, filters, sorting and a page of creators.

The figures creators entered (followers, average views) are columns of the profile; the figures
measured over ``MEASURED_DAYS`` (GMV, conversion) come from the package that measures them,
through ``affiliate.profiles.hooks.DirectoryFigures``: without one, the directory neither shows
nor sorts nor filters by them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import selectinload

from affiliate.profiles.hooks import DirectoryFigures
from affiliate.profiles.models import CreatorCategory, CreatorProfile
from core.accounts.models import Role, User, UserRole
from core.extensions import db
from core.types import utcnow
from core.web.pagination import Page
from shop.catalog.models import Category

DIRECTORY_PER_PAGE = 20
#: Measured figures in the directory (GMV, conversion) cover this many days.
MEASURED_DAYS = 90


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
    #: Only creators whose user id this SELECT returns (a package above, such as the CRM's
    #: tags, narrows the directory without profiles knowing of it); None: every creator.
    among: Select[Any] | None = None


@dataclass(frozen=True)
class Measured:
    """A creator's measured figures over ``MEASURED_DAYS``.

    GMV: what buyers paid on order lines attributed to the creator, net of reversals.
    Conversion: orders per product-card click.
    """

    gmv: int = 0
    orders: int = 0
    clicks: int = 0

    @property
    def conversion(self) -> float | None:
        return self.orders / self.clicks if self.clicks else None

    @property
    def conversion_label(self) -> str:
        """``2.0%``, or a dash when nobody clicked."""
        rate = self.conversion
        return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass(frozen=True)
class DirectoryPage(Page[CreatorProfile]):
    """A page of creators, with the measured figures of those on it (by user id)."""

    measured: dict[int, Measured] = dataclasses.field(default_factory=dict)
    #: Whether anything measures creators (else the page shows no measured figures).
    measuring: bool = False

    def figures(self, user_id: int) -> Measured:
        return self.measured.get(user_id, Measured())


def _measured_since() -> datetime:
    return utcnow() - timedelta(days=MEASURED_DAYS)


def _directory_filters(
    query: DirectoryQuery, figures: DirectoryFigures | None
) -> list[ColumnElement[bool]]:
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
    if query.among is not None:
        conditions.append(CreatorProfile.user_id.in_(query.among))
    if query.min_followers is not None:
        conditions.append(CreatorProfile.follower_count >= query.min_followers)
    if query.max_followers is not None:
        conditions.append(CreatorProfile.follower_count <= query.max_followers)
    if query.min_views is not None:
        conditions.append(CreatorProfile.avg_views >= query.min_views)
    if figures is not None and query.min_gmv is not None and query.min_gmv > 0:
        gmv = figures.gmv(query.currency, _measured_since())
        conditions.append(
            CreatorProfile.user_id.in_(select(gmv.c.creator_id).where(gmv.c.gmv >= query.min_gmv))
        )
    return conditions


def measured_figures(
    user_ids: Sequence[int], currency: str, figures: DirectoryFigures | None
) -> dict[int, Measured]:
    """The measured figures of these creators (by user id): one statement."""
    if not user_ids or figures is None:
        return {}
    since = _measured_since()
    gmv = figures.gmv(currency, since, user_ids)
    funnel = figures.funnel(since, user_ids)
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


def _directory_order(
    query: DirectoryQuery, statement: Select[Any], figures: DirectoryFigures | None
) -> Select[Any]:
    """Order the page's statement, joining the measured figures that a sort needs."""
    sort = query.sort
    if sort is DirectorySort.VIEWS:
        return statement.order_by(
            CreatorProfile.avg_views.desc(), CreatorProfile.follower_count.desc()
        )
    if sort is DirectorySort.NEWEST:
        return statement.order_by(CreatorProfile.created_at.desc())
    if sort is DirectorySort.GMV and figures is not None:
        gmv = figures.gmv(query.currency, _measured_since())
        return statement.outerjoin(gmv, gmv.c.creator_id == CreatorProfile.user_id).order_by(
            func.coalesce(gmv.c.gmv, 0).desc(), CreatorProfile.follower_count.desc()
        )
    if sort is DirectorySort.CONVERSION and figures is not None:
        funnel = figures.funnel(_measured_since())
        rate = cast(funnel.c.orders, Float) / func.nullif(funnel.c.clicks, 0)
        return statement.outerjoin(funnel, funnel.c.creator_id == CreatorProfile.user_id).order_by(
            func.coalesce(rate, -1.0).desc(),
            func.coalesce(funnel.c.clicks, 0).desc(),
            CreatorProfile.follower_count.desc(),
        )
    return statement.order_by(CreatorProfile.follower_count.desc(), CreatorProfile.avg_views.desc())


def search_directory(
    query: DirectoryQuery, figures: DirectoryFigures | None = None
) -> DirectoryPage:
    """A page of creators matching the filters, with the figures ``figures`` measured: four
    statements whatever their number."""
    conditions = _directory_filters(query, figures)
    total = (
        db.session.scalar(select(func.count()).select_from(CreatorProfile).where(*conditions)) or 0
    )
    page = min(max(query.page, 1), max(1, -(-total // query.per_page)))
    statement = _directory_order(query, select(CreatorProfile).where(*conditions), figures)
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
        measured=measured_figures([p.user_id for p in items], query.currency, figures),
        measuring=figures is not None,
    )
