"""Becoming a creator: the profile form, the creator role, and what is refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from affiliate.profiles.models import CreatorCategory, CreatorProfile
from core.accounts.models import Role, User
from core.extensions import db
from tests.conftest import post_form
from tests.creators.factories import make_profile
from tests.factories import make_user
from tests.shop.factories import category


def _form(**overrides):
    data = {
        "handle": "Glow.Getter",
        "display_name": "Glow Getter",
        "bio": "Skincare, honestly.",
        "follower_count": "12000",
        "avg_views": "3400",
        "categories": [str(category("beauty-skincare").id), str(category("beauty-makeup").id)],
    }
    data.update(overrides)
    return data


def _profiles() -> int:
    return db.session.scalar(select(func.count(CreatorProfile.id)))


def test_onboarding_needs_sign_in(client):
    response = client.get("/creator/onboarding")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_onboarding_creates_the_profile_and_grants_the_creator_role(app_ctx, client, auth):
    user = make_user(Role.BUYER)
    auth.login(user.email)
    assert client.get("/creator/onboarding").status_code == 200

    response = post_form(client, "/creator/onboarding", _form())

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/creators/glow.getter")
    profile = db.session.scalars(select(CreatorProfile)).one()
    assert (profile.user_id, profile.handle, profile.follower_count) == (
        user.id,
        "glow.getter",
        12000,
    )
    assert {c.category.slug for c in profile.categories} == {"beauty-skincare", "beauty-makeup"}
    assert db.session.get(User, user.id).has_role(Role.CREATOR, Role.BUYER)
    assert db.session.get(User, user.id).role_set == {Role.BUYER, Role.CREATOR}


def test_editing_keeps_one_profile_and_replaces_categories(app_ctx, client, auth):
    user = make_user(Role.BUYER)
    auth.login(user.email)
    post_form(client, "/creator/onboarding", _form())
    page = client.get("/creator/onboarding")
    assert b"Save profile" in page.data
    assert b"glow.getter" in page.data

    response = post_form(
        client,
        "/creator/onboarding",
        _form(display_name="Glow G.", categories=[str(category("home-kitchen").id)]),
    )

    assert response.status_code == 302
    profile = db.session.scalars(select(CreatorProfile)).one()
    assert profile.display_name == "Glow G."
    assert [c.category.slug for c in profile.categories] == ["home-kitchen"]
    assert db.session.scalar(select(func.count(CreatorCategory.id))) == 1


def test_avatar_is_processed_and_served(app_ctx, client, auth):
    user = make_user(Role.BUYER)
    auth.login(user.email)
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), (200, 80, 120)).save(buffer, "PNG")
    buffer.seek(0)

    response = post_form(
        client,
        "/creator/onboarding",
        _form(avatar=(buffer, "me.png")),
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    profile = db.session.scalars(select(CreatorProfile)).one()
    assert profile.avatar_path.endswith(".webp")
    page = client.get("/creators/glow.getter")
    assert f"/media/{profile.avatar_path}".encode() in page.data
    served = client.get(f"/media/{profile.avatar_path}")
    served.close()
    assert served.status_code == 200


def test_a_file_that_is_not_an_image_is_refused(app_ctx, client, auth):
    user = make_user(Role.BUYER)
    auth.login(user.email)
    response = post_form(
        client,
        "/creator/onboarding",
        _form(avatar=(io.BytesIO(b"not an image"), "me.png")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert _profiles() == 0


def test_handle_is_unique_whatever_the_case(app_ctx, client, auth):
    make_profile(handle="glow.getter")
    user = make_user(Role.BUYER)
    auth.login(user.email)

    response = post_form(client, "/creator/onboarding", _form(handle="GLOW.Getter"))

    assert response.status_code == 400
    assert b"That handle is taken" in response.data
    assert _profiles() == 1
    assert not db.session.get(User, user.id).has_role(Role.CREATOR)


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"handle": "ab"}, id="handle-too-short"),
        pytest.param({"handle": "a" * 31}, id="handle-too-long"),
        pytest.param({"handle": "glow getter"}, id="handle-with-space"),
        pytest.param({"handle": "glow-getter"}, id="handle-with-dash"),
        pytest.param({"handle": "glöw"}, id="handle-not-ascii"),
        pytest.param({"handle": ""}, id="handle-missing"),
        pytest.param({"display_name": ""}, id="name-missing"),
        pytest.param({"follower_count": "-1"}, id="negative-followers"),
        pytest.param({"avg_views": "-5"}, id="negative-views"),
        pytest.param({"follower_count": "lots"}, id="followers-not-a-number"),
        pytest.param({"categories": ["999999"]}, id="unknown-category"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(app_ctx, client, auth, overrides):
    user = make_user(Role.BUYER)
    auth.login(user.email)

    response = post_form(client, "/creator/onboarding", _form(**overrides))

    assert response.status_code == 400
    assert b"invalid-feedback" in response.data
    assert _profiles() == 0
    assert not db.session.get(User, user.id).has_role(Role.CREATOR)


def test_too_many_categories_are_refused(app_ctx, client, auth):
    user = make_user(Role.BUYER)
    auth.login(user.email)
    slugs = [
        "beauty-skincare",
        "beauty-makeup",
        "home-kitchen",
        "home-decor",
        "fashion-men",
        "fashion-women",
    ]
    response = post_form(
        client, "/creator/onboarding", _form(categories=[str(category(s).id) for s in slugs])
    )
    assert response.status_code == 400
    assert _profiles() == 0
