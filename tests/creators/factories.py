"""Creator profiles written directly (the onboarding tests go through the form instead)."""

from __future__ import annotations

import factory

from affiliate.profiles.models import CreatorCategory, CreatorProfile
from core.accounts.models import Role
from core.extensions import db
from tests.factories import BaseFactory, make_user
from tests.shop.factories import category


class CreatorProfileFactory(BaseFactory):
    class Meta:
        model = CreatorProfile

    user_id = factory.LazyFunction(lambda: make_user(Role.CREATOR).id)
    handle = factory.Sequence(lambda n: f"creator_{n}")
    display_name = factory.Sequence(lambda n: f"Creator {n}")
    bio = "Makes videos for the tests."
    follower_count = 1000
    avg_views = 100


def make_profile(*category_slugs: str, **kwargs: object) -> CreatorProfile:
    profile = CreatorProfileFactory(**kwargs)
    for slug in category_slugs:
        db.session.add(CreatorCategory(profile_id=profile.id, category_id=category(slug).id))
    db.session.commit()
    return profile


# Lives (appended: other factories of this file are edited by others at the same time).
from collections.abc import Sequence  # noqa: E402
from datetime import timedelta  # noqa: E402

from affiliate.creators.content.models import Content, ContentKind, ContentProduct  # noqa: E402
from core.types import utcnow  # noqa: E402
from shop.catalog.models import Product  # noqa: E402


def make_live(
    creator_id: int,
    products: Sequence[Product] = (),
    *,
    state: str = "scheduled",
    title: str = "Morning routine, live",
    stream_url: str = "https://stream.example.com/cleo",
    pinned: Product | None = None,
    **kwargs: object,
) -> Content:
    """A live of ``creator_id`` in ``state`` with ``products`` in its yellow cart, written
    directly (no showcase check); ``pinned`` must be one of them and the state ``live``."""
    now = utcnow()
    live = Content(
        creator_id=creator_id,
        kind=ContentKind.LIVE.value,
        title=title,
        stream_url=stream_url,
        live_state=state,
        scheduled_at=kwargs.pop("scheduled_at", now + timedelta(days=1)),
        created_at=now - timedelta(hours=1),
        **kwargs,
    )
    if state in ("live", "ended"):
        live.started_at = live.started_at or now - timedelta(minutes=30)
    if state == "ended":
        live.ended_at = live.ended_at or now - timedelta(minutes=1)
    if pinned is not None:
        live.pinned_product_id = pinned.id
        live.pinned_at = now - timedelta(minutes=5)
    live.products = [ContentProduct(product_id=p.id, position=i) for i, p in enumerate(products)]
    db.session.add(live)
    db.session.commit()
    return live


# Videos (appended, like the lives above).
def make_video(
    creator_id: int,
    products: Sequence[Product] = (),
    *,
    title: str = "My morning routine",
    external_url: str | None = "https://videos.example.com/routine",
    video_path: str | None = None,
    video_mime: str | None = None,
    **kwargs: object,
) -> Content:
    """A published video of ``creator_id`` with ``products`` in its yellow cart, written
    directly (no showcase check, no file unless ``video_path`` names one)."""
    video = Content(
        creator_id=creator_id,
        kind=ContentKind.VIDEO.value,
        title=title,
        external_url=None if video_path else external_url,
        video_path=video_path,
        video_mime=video_mime,
        **kwargs,
    )
    video.products = [ContentProduct(product_id=p.id, position=i) for i, p in enumerate(products)]
    db.session.add(video)
    db.session.commit()
    return video
