"""The Stripe-style signature: it verifies with the secret and fails when anything changes."""

from __future__ import annotations

import hashlib
import hmac

from api.webhooks import signing

SECRET = "whsec_test"
BODY = b'{"id":"evt_1","type":"order.paid"}'
NOW = 1_800_000_000


def test_signature_verifies_with_the_secret():
    header = signing.header(SECRET, NOW, BODY)
    assert header.startswith(f"t={NOW},v1=")
    assert signing.verify(SECRET, BODY, header, now=NOW + 10)


def test_tampered_body_fails():
    header = signing.header(SECRET, NOW, BODY)
    assert not signing.verify(SECRET, BODY.replace(b"paid", b"shipped"), header, now=NOW)


def test_another_secret_fails():
    header = signing.header(SECRET, NOW, BODY)
    assert not signing.verify("whsec_other", BODY, header, now=NOW)


def test_tampered_timestamp_fails():
    header = signing.header(SECRET, NOW, BODY).replace(f"t={NOW}", f"t={NOW + 1}")
    assert not signing.verify(SECRET, BODY, header, now=NOW)


def test_old_timestamp_fails_past_the_tolerance():
    header = signing.header(SECRET, NOW, BODY)
    assert not signing.verify(SECRET, BODY, header, now=NOW + 301)


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signing.compute(SECRET, NOW, BODY) == expected


def test_malformed_header_fails():
    assert not signing.verify(SECRET, BODY, "garbage", now=NOW)
    assert not signing.verify(SECRET, BODY, f"t={NOW}", now=NOW)
