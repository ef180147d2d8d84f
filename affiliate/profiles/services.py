"""Creator profiles: onboarding and editing (the creator role comes with the first profile).

Functions take ids and domain objects, flush, and leave the commit to the caller. A refused
change raises a ``ProfileError`` naming the form field at fault, before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from affiliate.profiles.exceptions import HandleTaken, InvalidHandle, InvalidProfile
from affiliate.profiles.models import HANDLE_PATTERN, CreatorCategory, CreatorProfile
from core.accounts import services as accounts
from core.accounts.models import Role, User
from core.extensions import db
from shop.catalog.models import Category

_HANDLE = re.compile(HANDLE_PATTERN)
MAX_CATEGORIES = 5
MAX_FIGURE = 2_000_000_000  # fits the Integer columns


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
