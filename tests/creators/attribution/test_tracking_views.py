"""The tracking beacon: what a browser may report, and what it is told."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from affiliate.creators.attribution.models import ContentEvent, EventKind
from affiliate.creators.attribution.tracking import visitor_key
from affiliate.creators.content.models import ContentStatus
from core.accounts.models import Role, User
from core.extensions import db
from tests.conftest import Auth, csrf_token
from tests.creators.factories import make_content
from tests.factories import make_user
from tests.shop.factories import make_product

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"}
TRACK_JS = Path(__file__).resolve().parents[3] / "static" / "js" / "track.js"


@pytest.fixture
def content(app_ctx):
    creator = make_user(Role.CREATOR)
    return make_content(creator, [make_product(), make_product()])


@pytest.fixture
def beacon(client):
    token = csrf_token(client)

    def send(headers=BROWSER, with_token=True, **fields):
        data = {key: str(value) for key, value in fields.items()}
        if with_token:
            data["csrf_token"] = token
        return client.post("/t/events", data=data, headers=headers)

    return send


def recorded(kind: EventKind | None = None) -> list[ContentEvent]:
    query = select(ContentEvent).order_by(ContentEvent.id)
    if kind is not None:
        query = query.where(ContentEvent.kind == kind.value)
    db.session.expire_all()
    return list(db.session.scalars(query))


def test_a_view_is_recorded_and_answered_204(content, beacon):
    response = beacon(kind="view", content_id=content.id)
    assert response.status_code == 204
    assert response.get_data() == b""
    [event] = recorded()
    assert (event.kind, event.content_id, event.creator_id) == (
        "view",
        content.id,
        content.creator_id,
    )
    assert event.product_id is None
    assert len(event.visitor) == 32


def test_a_guest_repeating_a_view_counts_once(content, beacon):
    assert beacon(kind="view", content_id=content.id).status_code == 204
    assert beacon(kind="view", content_id=content.id).status_code == 204
    assert len(recorded(EventKind.VIEW)) == 1


def test_two_guests_count_twice(content, app):
    for _ in range(2):
        client = app.test_client()
        token = csrf_token(client)
        response = client.post(
            "/t/events",
            data={"kind": "view", "content_id": content.id, "csrf_token": token},
            headers=BROWSER,
        )
        assert response.status_code == 204
    assert len(recorded(EventKind.VIEW)) == 2


def signed_in_view(client, content, user: User):
    Auth(client).login(user.email)
    return client.post(
        "/t/events",
        data={"kind": "cart_open", "content_id": content.id, "csrf_token": csrf_token(client)},
        headers=BROWSER,
    )


def test_a_signed_in_viewer_is_known_by_account(content, client):
    viewer = make_user(Role.BUYER)
    assert signed_in_view(client, content, viewer).status_code == 204
    [event] = recorded()
    assert event.visitor == visitor_key(viewer.id, "")


def test_a_product_card_click_names_a_product_of_the_content(content, beacon):
    product_id = content.products[1].product_id
    assert beacon(kind="click", content_id=content.id, product_id=product_id).status_code == 204
    [event] = recorded(EventKind.CLICK)
    assert event.product_id == product_id


@pytest.mark.parametrize("kind", ["add_to_cart", "order", "like", ""])
def test_kinds_a_browser_may_not_report_are_400(content, beacon, kind):
    response = beacon(kind=kind, content_id=content.id, product_id=content.products[0].product_id)
    assert response.status_code == 400
    assert response.is_json
    assert "kind" in response.get_json()["error"]
    assert recorded() == []


@pytest.mark.parametrize("raw", ["", "abc", "-1", "0", "1.5", "99999999999999999999999"])
def test_a_malformed_content_id_is_400(content, beacon, raw):
    assert beacon(kind="view", content_id=raw).status_code == 400


def test_unknown_content_is_404(content, beacon):
    response = beacon(kind="view", content_id=content.id + 1000)
    assert response.status_code == 404
    assert response.get_json() == {"error": "no such content"}


def test_removed_content_is_404(app_ctx, beacon):
    removed = make_content(make_user(Role.CREATOR), status=ContentStatus.REMOVED)
    assert beacon(kind="view", content_id=removed.id).status_code == 404
    assert recorded() == []


def test_a_product_not_on_the_content_is_400(content, beacon):
    elsewhere = make_product()
    response = beacon(kind="click", content_id=content.id, product_id=elsewhere.id)
    assert response.status_code == 400
    assert "yellow cart" in response.get_json()["error"]
    assert recorded() == []


def test_a_click_without_a_product_is_400(content, beacon):
    assert beacon(kind="click", content_id=content.id).status_code == 400


def test_no_csrf_token_is_400(content, beacon):
    response = beacon(kind="view", content_id=content.id, with_token=False)
    assert response.status_code == 400
    assert recorded() == []


@pytest.mark.parametrize(
    "agent", ["", "Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0"]
)
def test_bots_are_answered_but_not_recorded(content, beacon, agent):
    response = beacon(kind="view", content_id=content.id, headers={"User-Agent": agent})
    assert response.status_code == 204
    assert recorded() == []


def test_the_creator_watching_their_own_video_is_not_counted(content, client):
    creator = db.session.get(User, content.creator_id)
    assert signed_in_view(client, content, creator).status_code == 204
    assert recorded() == []


def test_the_beacon_is_rate_limited(content, beacon, app):
    app.config["TRACKING_LIMIT_PER_IP"] = "3 per minute"
    try:
        codes = [beacon(kind="view", content_id=content.id).status_code for _ in range(4)]
    finally:
        app.config.pop("TRACKING_LIMIT_PER_IP")
    assert codes == [204, 204, 204, 429]


def test_track_js_documents_and_follows_the_contract():
    source = TRACK_JS.read_text()
    for needle in (
        "data-track-view",
        'data-track="cart_open"',
        'data-track="click"',
        "data-content-id",
        "data-product-id",
        "sendBeacon",
        "keepalive",
        'meta[name="csrf-token"]',
        "/t/events",
    ):
        assert needle in source, needle
