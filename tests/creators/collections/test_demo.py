"""`flask demo seed` gives Cleo a collection of her showcase products, once."""

from __future__ import annotations

from sqlalchemy import func, select

from affiliate.creators.collections.models import Collection
from core.extensions import db


def test_demo_seed_gives_cleo_a_collection_once(app, app_ctx, client):
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    collection = db.session.scalars(select(Collection)).one()
    assert collection.product_count > 0
    assert db.session.scalar(select(func.count(Collection.id))) == 1
    page = client.get("/creators/cleo/collections/morning-glow-routine")
    assert page.status_code == 200
    assert "/creators/cleo/collections/morning-glow-routine" in client.get(
        "/creators/cleo"
    ).get_data(as_text=True)
