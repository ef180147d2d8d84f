"""The Webhooks pages: create, edit, rotate, disable, delete, test, replay; ownership; CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.webhooks import dispatch, services
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from core.accounts.models import Role
from core.extensions import db
from tests.api.webhooks.conftest import endpoint_for, seller
from tests.conftest import post_form
from tests.factories import make_user

PAGE = "/account/webhooks"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookEndpoint))


def _signed_in(auth, *roles: Role):
    user = make_user(*roles) if roles else seller()
    auth.login(user.email)
    return user


def test_seller_adds_an_endpoint_and_sees_its_secret(app_ctx, client, auth):
    owner = _signed_in(auth)
    response = post_form(
        client,
        f"{PAGE}/new",
        {
            "url": "https://hooks.example.com/yc",
            "description": "ERP",
            "events": ["order.paid", "order.shipped"],
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    assert endpoint.owner_id == owner.id
    assert endpoint.events == ["order.paid", "order.shipped"]
    assert endpoint.secret in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["http://hooks.example.com/yc", "garbage", "https://127.0.0.1/x", "ftp://x.example/y"]
)
def test_bad_url_is_a_form_error(app_ctx, client, auth, url):
    _signed_in(auth)
    response = post_form(client, f"{PAGE}/new", {"url": url, "events": ["order.paid"]})
    assert response.status_code in (400, 422)
    assert "is-invalid" in response.get_data(as_text=True)
    assert _count() == 0


def test_no_event_chosen_is_a_form_error(app_ctx, client, auth):
    _signed_in(auth)
    response = post_form(client, f"{PAGE}/new", {"url": "https://hooks.example.com/x"})
    assert response.status_code == 400
    assert "Choose at least one event" in response.get_data(as_text=True)
    assert _count() == 0


def test_form_without_csrf_is_refused(app_ctx, client, auth):
    _signed_in(auth)
    response = client.post(
        f"{PAGE}/new", data={"url": "https://hooks.example.com/x", "events": ["order.paid"]}
    )
    assert response.status_code in (400, 422)
    assert _count() == 0


def test_buyer_cannot_open_webhooks(app_ctx, client, auth):
    _signed_in(auth, Role.BUYER)
    assert client.get(PAGE).status_code == 403


def test_list_shows_an_empty_state_then_the_endpoint(app_ctx, client, auth):
    owner = _signed_in(auth)
    assert "No webhook endpoints yet" in client.get(PAGE).get_data(as_text=True)
    endpoint_for(owner, ["order.paid"])
    assert "https://hooks.example.com/yc" in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "/edit"),
        ("post", "/edit"),
        ("post", "/rotate"),
        ("post", "/disable"),
        ("post", "/enable"),
        ("post", "/delete"),
        ("post", "/test"),
    ],
)
def test_another_users_endpoint_is_404(app_ctx, client, auth, method, suffix):
    other = endpoint_for(seller(), ["order.paid"])
    _signed_in(auth)
    path = f"{PAGE}/{other.id}{suffix}"
    response = client.get(path) if method == "get" else post_form(client, path, {})
    assert response.status_code == 404
    assert db.session.get(WebhookEndpoint, other.id) is not None


def test_another_users_delivery_cannot_be_replayed(app_ctx, client, auth, fake_sender):
    other = endpoint_for(seller(), ["order.paid"])
    delivery = dispatch.send_test(other)
    db.session.commit()
    _signed_in(auth)
    response = post_form(client, f"{PAGE}/deliveries/{delivery.id}/replay", {})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


def test_rotate_gives_a_new_secret(app_ctx, client, auth):
    owner = _signed_in(auth)
    endpoint = endpoint_for(owner, ["order.paid"])
    old = endpoint.secret
    response = post_form(client, f"{PAGE}/{endpoint.id}/rotate", {}, follow_redirects=True)
    db.session.expire_all()
    new = db.session.get(WebhookEndpoint, endpoint.id).secret
    assert new != old
    assert new.startswith("whsec_")
    assert new in response.get_data(as_text=True)


def test_disable_enable_and_delete(app_ctx, client, auth):
    owner = _signed_in(auth)
    endpoint = endpoint_for(owner, ["order.paid"])
    post_form(client, f"{PAGE}/{endpoint.id}/disable", {})
    db.session.expire_all()
    assert not db.session.get(WebhookEndpoint, endpoint.id).enabled
    post_form(client, f"{PAGE}/{endpoint.id}/enable", {})
    db.session.expire_all()
    assert db.session.get(WebhookEndpoint, endpoint.id).enabled
    response = post_form(client, f"{PAGE}/{endpoint.id}/delete", {})
    assert response.status_code == 303
    assert _count() == 0


def test_edit_changes_events_and_keeps_the_secret(app_ctx, client, auth):
    owner = _signed_in(auth)
    endpoint = endpoint_for(owner, ["order.paid"])
    secret = endpoint.secret
    response = post_form(
        client,
        f"{PAGE}/{endpoint.id}/edit",
        {"url": "https://new.example.com/h", "events": ["product.updated"]},
    )
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(WebhookEndpoint, endpoint.id)
    assert (saved.url, saved.events, saved.secret) == (
        "https://new.example.com/h",
        ["product.updated"],
        secret,
    )


def test_send_test_then_replay_from_the_log(app_ctx, client, auth, fake_sender):
    owner = _signed_in(auth)
    endpoint = endpoint_for(owner, ["order.paid"])
    post_form(client, f"{PAGE}/{endpoint.id}/test", {})
    page = client.get(f"{PAGE}/{endpoint.id}").get_data(as_text=True)
    assert "webhook.test" in page
    assert ">200<" in page
    delivery = db.session.scalars(select(WebhookDelivery)).one()

    response = post_form(client, f"{PAGE}/deliveries/{delivery.id}/replay", {})

    assert response.status_code == 303
    assert len(fake_sender.sent) == 2
    ids = {sent.headers["Yellowcart-Event-Id"] for sent in fake_sender.sent}
    assert ids == {delivery.event_id}


def test_log_is_paginated(app_ctx, client, auth, fake_sender):
    owner = _signed_in(auth)
    endpoint = endpoint_for(owner, ["order.paid"])
    for _ in range(services.LOG_PER_PAGE + 2):
        dispatch.send_test(endpoint)
    db.session.commit()
    first = client.get(f"{PAGE}/{endpoint.id}").get_data(as_text=True)
    second = client.get(f"{PAGE}/{endpoint.id}?page=2").get_data(as_text=True)
    assert first.count("data-attempt-id") == services.LOG_PER_PAGE
    assert second.count("data-attempt-id") == 2
    assert "Next" in first


def test_log_page_costs_the_same_statements_for_2_or_20_attempts(
    app_ctx, client, auth, fake_sender, count_queries
):
    owner = _signed_in(auth)
    endpoint = endpoint_for(owner, ["order.paid"])

    def statements_with(attempts: int) -> int:
        while db.session.scalar(select(func.count()).select_from(WebhookDelivery)) < attempts:
            dispatch.send_test(endpoint)
            db.session.commit()
        before = count_queries.count
        assert client.get(f"{PAGE}/{endpoint.id}").status_code == 200
        return count_queries.count - before

    assert statements_with(2) == statements_with(20)
