"""What samples need to know from the creators package, which stands above plans.

Plans never import ``affiliate.creators`` (DESIGN.md, "Which way the packages lean"). Whether a
creator posted content with a sampled product, and what that content sold, are answered by
whoever registered ``SampleFigures`` on the app (the creators package, from its ``init_app``).
With nothing registered, nobody has posted and nothing sold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import Flask, current_app

#: A creator and a product: ``(creator_id, product_id)``.
Pair = tuple[int, int]


@dataclass(frozen=True)
class Sales:
    """What a creator's content sold of a product: orders, GMV and commission (minor units,
    net of reversals)."""

    orders: int = 0
    gmv: int = 0
    commission: int = 0


@dataclass(frozen=True)
class SaleLine:
    """One commission line on an order through a creator's content (minor units, net)."""

    order_id: int
    creator_id: int
    product_id: int
    at: datetime
    gmv: int
    commission: int


class SampleFigures(Protocol):
    def post_times(self, pairs: Sequence[Pair], since: datetime) -> Mapping[Pair, list[datetime]]:
        """When each creator posted content carrying each product, from ``since`` (ascending;
        a pair without posts is left out)."""
        ...

    def content_counts(self, store_id: int, since: datetime, until: datetime) -> Mapping[Pair, int]:
        """Content posted in ``[since, until)`` per creator and product of the store."""
        ...

    def sales(self, store_id: int, since: datetime, until: datetime) -> Mapping[Pair, Sales]:
        """Orders placed in ``[since, until)`` through each creator's content, per product."""
        ...

    def sale_lines(
        self, store_id: int, since: datetime, until: datetime, pairs: Sequence[Pair], limit: int
    ) -> list[SaleLine]:
        """The lines behind ``sales`` for these pairs, oldest first, at most ``limit``."""
        ...


class _Nobody:
    def post_times(self, pairs: Sequence[Pair], since: datetime) -> Mapping[Pair, list[datetime]]:
        return {}

    def content_counts(self, store_id: int, since: datetime, until: datetime) -> Mapping[Pair, int]:
        return {}

    def sales(self, store_id: int, since: datetime, until: datetime) -> Mapping[Pair, Sales]:
        return {}

    def sale_lines(
        self, store_id: int, since: datetime, until: datetime, pairs: Sequence[Pair], limit: int
    ) -> list[SaleLine]:
        return []


def set_sample_figures(app: Flask, figures: SampleFigures) -> None:
    """Answer the samples' questions with ``figures``."""
    app.extensions["sample_figures"] = figures


def sample_figures() -> SampleFigures:
    figures: SampleFigures | None = current_app.extensions.get("sample_figures")
    return figures if figures is not None else _Nobody()
