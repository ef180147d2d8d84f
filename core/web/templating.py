"""Template filters and the navigation every page shows, built from the user's roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, g, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement

from core.accounts.models import Role
from core.money import format_money
from core.notifications import services as notifications


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    section: str

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    #: Pages of this section that another package serves (the refund desk under /finance).
    path_prefix: str = ""

    @property
    def active(self) -> bool:
        if self.path_prefix and request.path.startswith(self.path_prefix):
            return True
        if (request.blueprint or "") != self.section:
            return False
        return not any(
            item.path_prefix and request.path.startswith(item.path_prefix) for _, item in ROLE_NAV
        )


ROLE_NAV = (
    (Role.CREATOR, NavItem("Creator centre", "creators.centre", "creators")),
    (Role.SELLER, NavItem("Seller centre", "seller.home", "seller")),
    (Role.FINANCE, NavItem("Finance", "payouts.finance_centre", "payouts", "/finance/")),
    (Role.ADMIN, NavItem("Admin", "admin.users", "admin")),
)


def navigation() -> list[NavItem]:
    items = [NavItem("Shop", "shop.home", "shop")]
    if current_user.is_authenticated:
        items.extend(item for role, item in ROLE_NAV if current_user.has_role(role))
    return items


def money_filter(amount: int | None, currency: str | None = None) -> str:
    if amount is None:
        return "—"
    return format_money(
        amount,
        currency or current_app.config["DEFAULT_CURRENCY"],
        current_app.config["MONEY_LOCALE"],
    )


def datetime_filter(value: datetime | None, fmt: str = "%d %b %Y, %H:%M UTC") -> str:
    return value.strftime(fmt) if value else "—"


def provider_labels() -> dict[str, str]:
    config = current_app.config
    labels = {}
    if config["PAYMENT_PROVIDER"] == "test":
        labels["payments"] = "Test card payments: no real money moves"
    if config["PAYOUT_PROVIDER"] == "simulated":
        labels["payouts"] = "Simulated payouts: no real transfers"
    return labels


def add_menu_badge(app: Flask, kind_prefix: str) -> None:
    """Count the unread notices whose kind starts with ``kind_prefix`` for a menu item's badge
    (``unread_notifications(kind_prefix)``), in the same statement as the bell."""
    badges: list[str] = app.extensions.setdefault("notification_badges", [])
    if kind_prefix not in badges:
        badges.append(kind_prefix)


def add_header_count(app: Flask, name: str, build: Callable[[int], ColumnElement[Any]]) -> None:
    """A count the page header shows to a signed-in user (``build(user_id)``: a scalar
    subquery), read in the bell's statement: ``header_count(name)``."""
    app.extensions.setdefault("header_counts", {})[name] = build


def _header_counts() -> tuple[int, dict[str, int], dict[str, int]]:
    if "header_counts" not in g:
        prefixes = current_app.extensions.get("notification_badges", [])
        builds = current_app.extensions.get("header_counts", {})
        extra = {name: build(current_user.id) for name, build in builds.items()}
        g.header_counts = notifications.header_counts(current_user.id, prefixes, extra)
    counts: tuple[int, dict[str, int], dict[str, int]] = g.header_counts
    return counts


def unread_notifications(kind_prefix: str | None = None) -> int:
    """The signed-in user's unread notification count, or that of a registered menu badge
    (one statement per request for all of them and the header counts), else 0."""
    if not current_user.is_authenticated:
        return 0
    total, badges, _ = _header_counts()
    count: int = total if kind_prefix is None else badges.get(kind_prefix, 0)
    return count


def header_count(name: str) -> int | None:
    """A registered header count for the signed-in user; None when not signed in or unknown."""
    if not current_user.is_authenticated or name not in current_app.extensions.get(
        "header_counts", {}
    ):
        return None
    return _header_counts()[2].get(name)


def header_state() -> tuple[Any, ...]:
    """Everything the layout shows about the signed-in user (name, email, verified, roles,
    bell, badges, header counts): the page cache serves a kept whole page only while it
    is unchanged."""
    user = current_user
    total, badges, extras = _header_counts()
    return (
        user.id,
        user.display_name,
        user.email,
        user.email_verified,
        sorted(role.value for role in user.role_set),
        total,
        sorted(badges.items()),
        sorted(extras.items()),
    )


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["money"] = money_filter
    app.jinja_env.filters["datetime"] = datetime_filter

    @app.context_processor
    def inject_layout() -> dict[str, Any]:
        return {
            "navigation": navigation,
            "has_endpoint": lambda name: name in current_app.view_functions,
            "provider_labels": provider_labels,
            "unread_notifications": unread_notifications,
            "Role": Role,
        }
