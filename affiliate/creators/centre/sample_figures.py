"""What samples ask of creators (``affiliate.plans.samples.hooks.SampleFigures``): when a
creator posted content with a product, how much content the store's products got, and what
that content sold. Registered by ``connect(app)`` from the centre's ``init_app``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from flask import Flask
from sqlalchemy import case, func, select, tuple_

from affiliate.creators.attribution.models import Commission
from affiliate.creators.attribution.queries import net_base, net_commission
from affiliate.creators.content.models import Content, ContentProduct
from affiliate.plans.samples import hooks
from affiliate.plans.samples.hooks import Pair, SaleLine, Sales
from core.extensions import db
from shop.catalog.models import Product


class CreatorSampleFigures:
    def post_times(self, pairs: Sequence[Pair], since: datetime) -> Mapping[Pair, list[datetime]]:
        """Every post (published or removed since: it was posted) carrying each pair's product."""
        wanted = sorted(set(pairs))
        if not wanted:
            return {}
        rows = db.session.execute(
            select(Content.creator_id, ContentProduct.product_id, Content.created_at)
            .join(ContentProduct, ContentProduct.content_id == Content.id)
            .where(
                tuple_(Content.creator_id, ContentProduct.product_id).in_(wanted),
                Content.created_at >= since,
            )
            .order_by(Content.created_at)
        )
        found: dict[Pair, list[datetime]] = {}
        for creator_id, product_id, created_at in rows:
            found.setdefault((creator_id, product_id), []).append(created_at)
        return found

    def content_counts(self, store_id: int, since: datetime, until: datetime) -> Mapping[Pair, int]:
        rows = db.session.execute(
            select(
                Content.creator_id, ContentProduct.product_id, func.count(func.distinct(Content.id))
            )
            .join(ContentProduct, ContentProduct.content_id == Content.id)
            .join(Product, Product.id == ContentProduct.product_id)
            .where(
                Product.store_id == store_id,
                Content.created_at >= since,
                Content.created_at < until,
            )
            .group_by(Content.creator_id, ContentProduct.product_id)
        )
        return {(c, p): n for c, p, n in rows}

    def sales(self, store_id: int, since: datetime, until: datetime) -> Mapping[Pair, Sales]:
        """Commission lines on orders through content (``content_id`` set), net of reversals."""
        rows = db.session.execute(
            select(
                Commission.creator_id,
                Commission.product_id,
                # An order refunded in full sold nothing: it is not counted.
                func.count(
                    func.distinct(
                        case((Commission.reversed_amount < Commission.amount, Commission.order_id))
                    )
                ),
                func.coalesce(func.sum(net_base()), 0),
                func.coalesce(func.sum(net_commission()), 0),
            )
            .where(
                Commission.store_id == store_id,
                Commission.content_id.is_not(None),
                Commission.created_at >= since,
                Commission.created_at < until,
            )
            .group_by(Commission.creator_id, Commission.product_id)
        )
        return {
            (c, p): Sales(orders=int(o), gmv=int(g), commission=int(m)) for c, p, o, g, m in rows
        }

    def sale_lines(
        self, store_id: int, since: datetime, until: datetime, pairs: Sequence[Pair], limit: int
    ) -> list[SaleLine]:
        wanted = sorted(set(pairs))
        if not wanted:
            return []
        rows = db.session.execute(
            select(
                Commission.order_id,
                Commission.creator_id,
                Commission.product_id,
                Commission.created_at,
                net_base(),
                net_commission(),
            )
            .where(
                Commission.store_id == store_id,
                Commission.content_id.is_not(None),
                Commission.created_at >= since,
                Commission.created_at < until,
                tuple_(Commission.creator_id, Commission.product_id).in_(wanted),
            )
            .order_by(Commission.created_at, Commission.id)
            .limit(limit)
        )
        return [SaleLine(o, c, p, at, int(g), int(m)) for o, c, p, at, g, m in rows]


def connect(app: Flask) -> None:
    hooks.set_sample_figures(app, CreatorSampleFigures())
