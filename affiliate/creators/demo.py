"""Demo creators: profiles with categories, figures and drawn avatars (``flask demo seed``)."""

from __future__ import annotations

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import select

from affiliate.accounts import services as accounts
from affiliate.accounts.models import Role
from affiliate.cli import DEMO_PASSWORD, register_demo_seeder
from affiliate.creators import profile_services as profiles
from affiliate.creators.models import CreatorProfile
from affiliate.demo_pictures import draw_centred_text, initials_of, palette, png_bytes
from affiliate.extensions import db
from shop.catalog import images
from shop.catalog.models import Category

AVATAR_SIZE = 256

# (email, display name, handle, bio, category slugs, followers, average views)
DEMO_CREATORS = (
    (
        "creator@example.com",
        "Cleo Creator",
        "cleo",
        "Skincare routines that fit a busy morning.",
        ("beauty-skincare", "beauty-makeup"),
        48_000,
        12_500,
    ),
    (
        "maya@example.com",
        "Maya Lens",
        "maya.lens",
        "Tech unboxings, honest verdicts.",
        ("electronics-smart-home",),
        210_000,
        64_000,
    ),
    (
        "jon@example.com",
        "Jon Fit",
        "jonfit",
        "Home workouts and the gear that helps.",
        ("sports-fitness",),
        95_000,
        30_000,
    ),
    (
        "ada.cooks@example.com",
        "Ada Cooks",
        "ada_cooks",
        "Quick dinners, clever kitchen tools.",
        ("home-kitchen",),
        132_000,
        41_000,
    ),
    (
        "liv@example.com",
        "Liv Style",
        "livstyle",
        "Everyday outfits under fifty.",
        ("fashion-women",),
        310_000,
        88_000,
    ),
    (
        "noah@example.com",
        "Noah Glow",
        "noah.glow",
        "Skincare for men who never bothered.",
        ("beauty-skincare",),
        18_500,
        4_200,
    ),
    (
        "sam.trails@example.com",
        "Sam Trails",
        "samtrails",
        "Weekend hikes and camp kit.",
        ("sports-outdoor",),
        7_800,
        2_100,
    ),
    (
        "pia@example.com",
        "Pia Paints",
        "piapaints",
        "Nails, colour and a little chaos.",
        ("beauty-makeup",),
        56_000,
        19_000,
    ),
    (
        "rex@example.com",
        "Rex Gadgets",
        "rex.gadgets",
        "Small gadgets, big opinions.",
        ("electronics-smart-home", "home-kitchen"),
        150_000,
        37_000,
    ),
    (
        "zoe@example.com",
        "Zoe Home",
        "zoehome",
        "Cosy corners on a budget.",
        ("home-kitchen",),
        64_000,
        15_500,
    ),
    (
        "kai@example.com",
        "Kai Runs",
        "kairuns",
        "Running shoes, tested over a thousand km.",
        ("sports-outdoor", "fashion-men"),
        23_000,
        6_800,
    ),
)


def draw_avatar(name: str, size: int = AVATAR_SIZE) -> bytes:
    """A round badge with the creator's initials, as PNG bytes."""
    light, dark = palette(name, light=0.82, dark=0.35, saturation=0.6)
    image = Image.new("RGB", (size, size), light)
    draw = ImageDraw.Draw(image)
    draw.ellipse([size // 10, size // 10, size - size // 10, size - size // 10], fill=dark)
    draw_centred_text(draw, size, initials_of(name), size // 3, light)
    return png_bytes(image)


def seed_creators() -> str:
    """Create the demo creators and their profiles (skipping those that have one)."""
    known = {c.slug: c.id for c in db.session.scalars(select(Category))}
    created = 0
    for email, name, handle, bio, slugs, followers, views in DEMO_CREATORS:
        user = accounts.find_by_email(email)
        if user is None:
            user = accounts.register_user(
                email=email, password=DEMO_PASSWORD, display_name=name, roles={Role.CREATOR}
            )
        has_profile = db.session.scalar(
            select(CreatorProfile.id).where(CreatorProfile.user_id == user.id)
        )
        if has_profile:
            continue
        avatar = images.process_bytes(draw_avatar(name), main_size=AVATAR_SIZE, thumb_size=None)
        profiles.save_profile(
            user,
            profiles.ProfileInput(
                handle=handle,
                display_name=name,
                bio=bio,
                follower_count=followers,
                avg_views=views,
                category_ids=[known[s] for s in slugs if s in known],
            ),
            avatar_path=avatar.path,
        )
        images.write_images([avatar], current_app.config["UPLOAD_DIR"])
        db.session.commit()
        created += 1
    return f"demo creators ready ({created} profiles created, {len(DEMO_CREATORS)} in all)"


register_demo_seeder(seed_creators)
