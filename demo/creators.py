"""Demo creators: profiles with categories, figures and drawn avatars (``flask demo seed``)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import select

from affiliate.creators.content import lives, videos
from affiliate.creators.content.models import Content, ContentKind
from affiliate.plans import memberships
from affiliate.plans.exceptions import PlanError
from affiliate.plans.models import Plan, PlanMembership
from affiliate.profiles import services as profiles
from affiliate.profiles.models import CreatorProfile
from core.accounts import services as accounts
from core.accounts.models import Role
from core.extensions import db
from core.types import utcnow
from demo.accounts import DEMO_PASSWORD
from demo.pictures import draw_centred_text, initials_of, palette, png_bytes
from shop.catalog import images
from shop.catalog.models import Category, Product, Store

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
                email=email,
                password=DEMO_PASSWORD,
                verified=True,
                display_name=name,
                roles={Role.CREATOR},
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


# ---------------------------------------------------------------------------- lives

# Lives sell from showcases, which need the shop's products and the plans: importing the plans'
# demo here registers its seeders (and the shop's) before ``seed_lives``.

LIVES_STORE_HANDLE = "glow-and-co"
# (creator email, title, goes live now?, stream URL, products wished for, in order)
DEMO_LIVES = (
    (
        "creator@example.com",
        "Morning glow routine, live",
        True,
        "https://stream.example.com/cleo/morning-glow",
        (
            "Vitamin C Brightening Serum",
            "Hyaluronic Water Cream",
            "Silk Glow Highlighter",
            "Velvet Matte Lipstick",
        ),
    ),
    (
        "noah@example.com",
        "Skincare for beginners: your questions, live",
        False,
        "https://stream.example.com/noah.glow/beginners",
        ("Gentle Foaming Cleanser", "Hyaluronic Water Cream", "Mineral Sunscreen SPF 50"),
    ),
)


def showcase_products(creator_id: int, store_id: int, titles: tuple[str, ...]) -> list[int]:
    """The wished-for products, showcased first where a plan allows (others are left out)."""

    found = {
        p.title: p.id
        for p in db.session.scalars(
            select(Product).where(Product.store_id == store_id, Product.title.in_(titles))
        )
    }
    chosen = []
    for title in titles:
        if title not in found:
            continue
        try:
            with db.session.begin_nested():
                added = memberships.add_to_showcase(creator_id, found[title])
                if added.item is None and added.awaiting is not None:
                    # A request to join: the demo's seller approves it, and the product joins.
                    plan = db.session.get(Plan, added.awaiting.plan_id)
                    membership = db.session.scalars(
                        select(PlanMembership).where(
                            PlanMembership.plan_id == added.awaiting.plan_id,
                            PlanMembership.creator_id == creator_id,
                        )
                    ).one()
                    memberships.decide_joiner(plan, membership.id, approve=True)
        except PlanError:  # no plan open to this creator covers it: the live goes without
            continue
        chosen.append(found[title])
    return chosen


def seed_lives() -> str:
    """One live on air for Cleo (a product pinned) and one scheduled tomorrow (once each)."""
    from datetime import timedelta

    store_id = db.session.scalar(select(Store.id).where(Store.handle == LIVES_STORE_HANDLE))
    if store_id is None:
        return "demo lives skipped (no Glow & Co store)"
    now = utcnow()
    created = 0
    for email, title, on_air, stream_url, titles in DEMO_LIVES:
        creator = accounts.find_by_email(email)
        if creator is None or not creator.has_role(Role.CREATOR):
            continue
        exists = db.session.scalar(
            select(Content.id).where(
                Content.creator_id == creator.id,
                Content.kind == ContentKind.LIVE.value,
                Content.title == title,
            )
        )
        product_ids = [] if exists else showcase_products(creator.id, store_id, titles)
        if exists or not product_ids:
            continue
        start = now - timedelta(minutes=20) if on_air else now + timedelta(days=1)
        live = lives.schedule_live(
            creator.id,
            title=title,
            scheduled_at=start,
            stream_url=stream_url,
            product_ids=product_ids,
            now=min(now, start),
        )
        if on_air:
            lives.start_live(creator.id, live.id, now=start)
            lives.pin_product(creator.id, live.id, product_ids[0], now=now - timedelta(minutes=2))
        db.session.commit()
        created += 1
    return f"demo lives ready ({created} created)"


# ---------------------------------------------------------------------------- videos

#: Small clips made once with ffmpeg (see media/README.md), so seeding never needs it.
DEMO_MEDIA = Path(__file__).resolve().parent / "media"
# (creator email, clip, caption, products wished for, in order); the poster is <clip>.jpg.
DEMO_VIDEOS = (
    (
        "creator@example.com",
        "glow-serum.mp4",
        "My 30-second glow: vitamin C serum first, then the water cream. #skincare",
        ("Vitamin C Brightening Serum", "Hyaluronic Water Cream"),
    ),
    (
        "creator@example.com",
        "morning-routine.mp4",
        "Morning routine in two steps: cleanse, then SPF. That's it.",
        ("Gentle Foaming Cleanser", "Mineral Sunscreen SPF 50"),
    ),
    (
        "pia@example.com",
        "matte-lipstick.webm",
        "Velvet matte swatch test: still there after 8 hours and a coffee?",
        ("Velvet Matte Lipstick", "Silk Glow Highlighter"),
    ),
    (
        "noah@example.com",
        "spf-check.mp4",
        "SPF 50 for men who never bothered: no white cast, I checked.",
        ("Mineral Sunscreen SPF 50", "Gentle Foaming Cleanser"),
    ),
)


def seed_videos() -> str:
    """Post the demo clips for Cleo, Pia and Noah with Glow & Co products (once each).

    Through ``videos.create_video``, as a creator's upload would go: the clip is checked by its
    bytes and streamed into the uploads folder, the poster re-encoded.
    """
    from werkzeug.datastructures import FileStorage

    store_id = db.session.scalar(select(Store.id).where(Store.handle == LIVES_STORE_HANDLE))
    if store_id is None:
        return "demo videos skipped (no Glow & Co store)"
    created = 0
    for email, clip, caption, titles in DEMO_VIDEOS:
        creator = accounts.find_by_email(email)
        source = DEMO_MEDIA / clip
        if creator is None or not creator.has_role(Role.CREATOR) or not source.is_file():
            continue
        exists = db.session.scalar(
            select(Content.id).where(
                Content.creator_id == creator.id,
                Content.kind == ContentKind.VIDEO.value,
                Content.title == caption,
            )
        )
        if exists:
            continue
        product_ids = showcase_products(creator.id, store_id, titles)
        poster = source.with_suffix(".jpg")
        with source.open("rb") as clip_file, poster.open("rb") as poster_file:
            videos.create_video(
                creator.id,
                caption=caption,
                product_ids=product_ids,
                upload=FileStorage(clip_file, filename=clip),
                external_url=None,
                poster=FileStorage(poster_file, filename=poster.name),
            )
        db.session.commit()
        created += 1
    return f"demo videos ready ({created} posted, {len(DEMO_VIDEOS)} in all)"


# ---------------------------------------------------------------------------- activity

# Registered last: it needs the videos and lives above.
