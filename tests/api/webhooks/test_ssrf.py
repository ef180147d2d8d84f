"""No delivery to the platform's own network unless the test-only setting allows it."""

from __future__ import annotations

import pytest

from api.webhooks import services
from api.webhooks.delivery import RefusedDestination, Transport, check_destination
from api.webhooks.exceptions import InvalidEndpointUrl
from api.webhooks.models import WebhookAttempt
from core.extensions import db
from shop import signals as shop_signals
from tests.api.webhooks.conftest import PUBLIC_ADDRESS, FakeSender, endpoint_for, seller
from tests.shop.factories import make_order, make_product, make_store


def _resolver(mapping: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        return mapping.get(host, [PUBLIC_ADDRESS])

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.9/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fd00:ec2::254]/hook",
        "https://0.0.0.0/hook",
        "https://100.100.100.200/hook",
    ],
)
def test_private_address_literals_are_refused(url):
    with pytest.raises(RefusedDestination):
        check_destination(url, resolver=_resolver({}))


def test_host_resolving_to_a_private_address_is_refused():
    resolver = _resolver({"internal.example.com": ["192.168.10.5"]})
    with pytest.raises(RefusedDestination, match=r"192\.168\.10\.5"):
        check_destination("https://internal.example.com/hook", resolver=resolver)


def test_host_with_any_private_address_among_public_ones_is_refused():
    resolver = _resolver({"mixed.example.com": [PUBLIC_ADDRESS, "127.0.0.1"]})
    with pytest.raises(RefusedDestination):
        check_destination("https://mixed.example.com/hook", resolver=resolver)


def test_host_that_does_not_resolve_is_refused():
    def broken(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(RefusedDestination, match="could not be resolved"):
        check_destination("https://nowhere.example.com/", resolver=broken)


def test_public_host_is_allowed():
    assert check_destination("https://hooks.example.com/x", resolver=_resolver({})) == [
        PUBLIC_ADDRESS
    ]


@pytest.mark.parametrize("url", ["http://hooks.example.com/x", "ftp://hooks.example.com/x"])
def test_only_https_without_the_setting(url):
    with pytest.raises(RefusedDestination, match="https"):
        check_destination(url, resolver=_resolver({}))


def test_the_test_setting_allows_loopback_over_http():
    addresses = check_destination(
        "http://127.0.0.1:8080/x", resolver=_resolver({}), allow_private=True
    )
    assert addresses == ["127.0.0.1"]


def test_refused_delivery_is_logged_and_never_sent(app_ctx, monkeypatch):
    owner = seller()
    store = make_store(owner)
    product = make_product(store)
    order = make_order(owner, [(product.variants[0], 1)])
    endpoint = endpoint_for(owner, ["order.paid"], "https://sneaky.example.com/hook")
    fake = FakeSender()
    transport = app_ctx.extensions["webhooks"]
    monkeypatch.setattr(transport, "sender", fake)
    monkeypatch.setattr(
        transport, "resolver", _resolver({"sneaky.example.com": ["169.254.169.254"]})
    )

    shop_signals.order_paid.send(order)
    db.session.commit()

    assert fake.sent == []
    attempt = db.session.query(WebhookAttempt).one()
    assert attempt.endpoint_id == endpoint.id
    assert attempt.response_code is None
    assert "169.254.169.254" in attempt.error


def test_transport_refusal_is_a_failed_response_not_an_exception():
    transport = Transport(resolver=_resolver({}), sender=FakeSender())
    response = transport.send("https://10.0.0.1/", b"{}", {})
    assert not response.ok
    assert response.error.startswith("Refused")


def test_endpoint_url_must_be_https_and_public_shaped(app_ctx):
    owner = seller()
    for url in ("http://hooks.example.com/x", "not a url", "https://", "https://localhost/x"):
        with pytest.raises(InvalidEndpointUrl):
            services.create_endpoint(owner, url, ["order.paid"])
