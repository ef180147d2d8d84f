"""Pagination shared by every list page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import request

T = TypeVar("T")
MAX_PAGE = 100_000


def page_arg(name: str = "page") -> int:
    """The requested page number; anything malformed or out of range reads as page 1."""
    raw = request.args.get(name, "1")
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is true, but int("²") fails
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.page * self.per_page, self.total)
