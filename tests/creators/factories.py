"""Creator profiles written directly (the onboarding tests go through the form instead)."""

from __future__ import annotations

import factory

from affiliate.accounts.models import Role
from affiliate.creators.models import CreatorCategory, CreatorProfile
from affiliate.extensions import db
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
