"""Connect the creators' parts to an app: content, then attribution, then the centre, then
collections and flat fees."""

from __future__ import annotations

from flask import Flask

from affiliate.creators.attribution import commissions, digest, ingest, jobs, touches
from affiliate.creators.attribution import models as attribution_models
from affiliate.creators.attribution import services as attribution_services
from affiliate.creators.attribution.views import codes as code_views
from affiliate.creators.attribution.views import tracking as tracking_views
from affiliate.creators.centre import profile_pages, sample_figures
from affiliate.creators.centre import seller_views as centre_seller_views
from affiliate.creators.centre import views as centre_views
from affiliate.creators.collections import setup as collections_setup
from affiliate.creators.content import jobs as content_jobs
from affiliate.creators.content import models as content_models
from affiliate.creators.content.views import live_deals, lives, videos, yellowcart
from affiliate.creators.flatfees import setup as flatfees_setup
from core.jobs import register_periodic
from shop import hooks, signals

#: The modules that define the creators' tables, mapped before Alembic compares.
MODEL_MODULES = (
    content_models,
    attribution_models,
    *collections_setup.MODEL_MODULES,
    *flatfees_setup.MODEL_MODULES,
)


def init_app(app: Flask) -> None:
    """Connect content, attribution and the centre.

    Signals and hooks are the shop's, one per process: connecting the same function again (a
    second app in the same process, as in the tests) changes nothing.
    """
    init_content(app)
    init_attribution(app)
    init_centre(app)
    collections_setup.init_app(app)
    flatfees_setup.init_app(app)


def init_content(app: Flask) -> None:
    """The yellow cart, lives (their sellers' deals, viewers' reminders every minute) and
    videos; an add to the cart from content counts as an event."""
    app.register_blueprint(yellowcart.bp)
    app.register_blueprint(lives.bp)
    app.register_blueprint(videos.bp)
    app.register_blueprint(live_deals.bp)
    signals.cart_line_added.connect(attribution_services.count_attributed_add)
    register_periodic(app, content_jobs.SEND_LIVE_REMINDERS)


def init_attribution(app: Flask) -> None:
    """Codes and tracking; the answers to the shop's questions (which content a cart add came
    from, what a sale earns); commissions that follow the orders; buffered events written
    every few seconds, the rollups every minute."""
    app.register_blueprint(code_views.bp)
    app.register_blueprint(tracking_views.bp)
    hooks.register_attribution_resolver(touches.attribution_for)
    hooks.register_commission_terms(commissions.commission_terms)
    signals.order_paid.connect(commissions.on_order_paid)
    signals.order_completed.connect(commissions.on_order_completed)
    signals.order_line_refunded.connect(commissions.on_line_refunded)
    ingest.init_app(app)
    register_periodic(app, jobs.FLUSH_EVENTS, jobs.ROLL_UP_EVENTS, digest.SEND_DIGESTS)


def init_centre(app: Flask) -> None:
    """The Creator centre and the sellers' affiliate pages; creators' videos, code panels and
    measured figures on the profile pages (``affiliate.profiles.hooks``)."""
    app.register_blueprint(centre_views.bp)
    app.register_blueprint(centre_seller_views.bp)
    profile_pages.connect(app)
    sample_figures.connect(app)
