"""The test-only setting that lets deliveries reach private addresses is off by default."""

from __future__ import annotations

from core.config import BaseConfig, ProductionConfig


def test_private_addresses_are_off_by_default_and_never_in_production():
    assert BaseConfig.WEBHOOKS_ALLOW_PRIVATE is False
    assert ProductionConfig.WEBHOOKS_ALLOW_PRIVATE is False
