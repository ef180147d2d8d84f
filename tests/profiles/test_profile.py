"""The public creator page: profile, categories, figures and the showcase (plans registers it)."""

from __future__ import annotations

from affiliate.plans.models import ShowcaseItem
from core.extensions import db
from shop.catalog.models import ProductStatus
from tests.creators.factories import make_profile
from tests.shop.factories import make_product


def test_unknown_handle_is_not_found(client, app_ctx):
    assert client.get("/creators/nobody_here").status_code == 404


def test_profile_shows_figures_categories_and_active_showcase(client, app_ctx):
    profile = make_profile(
        "beauty-skincare", handle="cleo", display_name="Cleo Creator", follower_count=48000
    )
    on_sale = make_product(title="Rose Serum")
    draft = make_product(title="Secret Draft", status=ProductStatus.DRAFT.value)
    for product in (on_sale, draft):
        db.session.add(ShowcaseItem(creator_id=profile.user_id, product_id=product.id))
    db.session.commit()

    page = client.get("/creators/CLEO").get_data(as_text=True)

    assert "Cleo Creator" in page
    assert "@cleo" in page
    assert "48,000" in page
    assert "Skincare" in page
    assert "Rose Serum" in page
    assert "Secret Draft" not in page


def test_profile_page_statement_count_does_not_grow_with_the_showcase(
    client, app_ctx, count_queries
):
    profile = make_profile("beauty-skincare", handle="cleo")
    user_id = profile.user_id

    def statements() -> int:
        client.get("/creators/cleo")
        before = count_queries.count
        assert client.get("/creators/cleo").status_code == 200
        return count_queries.count - before

    few = statements()
    for _ in range(6):
        db.session.add(ShowcaseItem(creator_id=user_id, product_id=make_product().id))
    db.session.commit()
    assert statements() == few
