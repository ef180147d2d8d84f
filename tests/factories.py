"""Factories for test data (factory-boy on the app's scoped session)."""

from __future__ import annotations

from functools import cache

import factory

from core.accounts.models import Role, User, UserRole
from core.accounts.passwords import passwords
from core.extensions import db
from core.types import utcnow

PASSWORD = "correct-horse-battery"


@cache
def _password_hash() -> str:
    return passwords.hash(PASSWORD)


class BaseFactory(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password_hash = factory.LazyFunction(_password_hash)
    email_verified_at = factory.LazyFunction(utcnow)  # pass None for an unverified account

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: object) -> None:
        wanted = extracted if extracted is not None else [Role.BUYER]
        self.roles = [UserRole(role=Role(role).value) for role in wanted]
        if create:
            db.session.commit()


def make_user(*roles: Role, **kwargs: object) -> User:
    return UserFactory(roles=list(roles) or [Role.BUYER], **kwargs)
