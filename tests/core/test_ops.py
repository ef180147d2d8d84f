"""Operations: /healthz, request ids, security headers, cookies, error pages and configuration."""

from __future__ import annotations

import io
import logging
import re
import stat
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, g

from affiliate import create_app
from core import config as config_module
from core.config import (
    DevelopmentConfig,
    InsecureConfigError,
    ProductionConfig,
    TestingConfig,
    config_from_environment,
)
from core.extensions import db
from core.jobs.outbox import add
from core.types import utcnow
from core.web.ops import RequestIdFilter
from tests.conftest import make_test_app, worker_redis_url

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
UNREACHABLE_POSTGRES = "postgresql://nobody@127.0.0.1:1/nowhere"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
GOOD_SECRET = "s" * 48


@pytest.fixture
def other_app(app: Flask) -> Iterator[Callable[..., Flask]]:
    """Build extra apps (on any database); their connections are closed after the test."""
    built: list[Flask] = []

    def build(factory: Callable[..., Flask] = make_test_app, *args: Any, **kwargs: Any) -> Flask:
        extra = factory(*args, **kwargs)
        built.append(extra)
        return extra

    yield build
    for extra in built:
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()


def _production_app(other_app, **overrides: Any) -> Flask:
    """A production app that passes validation; it never connects to its database."""
    settings = {
        "SECRET_KEY": GOOD_SECRET,
        "DATABASE_URL": UNREACHABLE_POSTGRES,
        "REDIS_URL": UNREACHABLE_REDIS,
        # The limiter is one extension for every app: keep the storage the suite's apps use.
        "RATELIMIT_STORAGE_URI": worker_redis_url() or "memory://",
        "PAYMENT_PROVIDER": "stripe",
        "PAYOUT_PROVIDER": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_production_check",
        "STRIPE_WEBHOOK_SECRET": "whsec_production_check",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_production_check",
        **overrides,
    }
    return other_app(create_app, ProductionConfig, **settings)


# --- /healthz -------------------------------------------------------------------------------


def test_healthz_reports_the_database_ok_as_json(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.is_json
    assert response.json["status"] == "ok"
    assert response.json["checks"]["database"] == "ok"


def test_healthz_without_redis_says_jobs_run_in_process(client):
    checks = client.get("/healthz").json["checks"]
    assert checks["redis"] == "not configured (jobs run in-process)"


@pytest.mark.skipif(not worker_redis_url(), reason="needs Redis: set REDIS_URL (CI does)")
def test_healthz_reports_redis_ok_when_the_app_has_redis(database, other_app):
    redis_app = other_app(make_test_app, database.url, REDIS_URL=worker_redis_url())

    response = redis_app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "redis": "ok", "outbox": "ok"}


def test_healthz_says_redis_is_degraded_when_it_is_unreachable(database, other_app):
    broken = other_app(make_test_app, database.url, REDIS_URL=UNREACHABLE_REDIS)

    response = broken.test_client().get("/healthz")

    assert response.status_code == 200  # the app still serves: jobs wait in the outbox
    assert response.json["status"] == "degraded"
    assert response.json["degraded"] == ["redis"]
    assert response.json["checks"]["redis"] == "unreachable (jobs wait in the outbox)"


def test_healthz_says_the_outbox_is_behind_when_jobs_wait_too_long(app_ctx, client):
    message = add(db.session, "tests.core.test_jobs.remember", [], {})
    message.created_at = utcnow() - timedelta(hours=1)
    message.due_at = utcnow() + timedelta(hours=1)  # backed off: not handed over yet
    db.session.commit()

    body = client.get("/healthz").json

    assert body["status"] == "degraded"
    assert body["degraded"] == ["outbox"]
    assert body["outbox"] == {"due": 1, "overdue": 1, "dead": 0}


@pytest.mark.parametrize(
    "url",
    ["sqlite:////nonexistent-directory/for/affiliate.db", UNREACHABLE_POSTGRES],
    ids=["sqlite-bad-path", "postgres-refused"],
)
def test_healthz_is_503_when_the_database_is_unreachable(other_app, url):
    broken = other_app(make_test_app, url)

    response = broken.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["status"] == "unhealthy"
    assert response.json["checks"]["database"] == "unreachable"


def test_healthz_is_never_cached(client):
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"


# --- request ids ----------------------------------------------------------------------------


def test_valid_request_id_is_echoed(client):
    response = client.get("/", headers={"X-Request-ID": "trace-42.abc_DEF"})
    assert response.headers["X-Request-ID"] == "trace-42.abc_DEF"


def test_missing_request_id_is_generated(client):
    response = client.get("/")
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])


def test_each_request_gets_its_own_generated_id(client):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/").headers["X-Request-ID"]
    assert first != second


@pytest.mark.parametrize(
    "incoming", ["has spaces", "a" * 65, "semi;colon", "<script>", 'quote"d', ""]
)
def test_malformed_request_id_is_replaced_by_a_generated_one(client, incoming):
    response = client.get("/", headers={"X-Request-ID": incoming})
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])


def test_request_id_is_on_error_responses_too(client):
    response = client.get("/no-such-page", headers={"X-Request-ID": "trace-404"})
    assert response.headers["X-Request-ID"] == "trace-404"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the app's log handler writes during the test."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_affiliate", False))
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_log_lines_of_a_request_carry_its_request_id(client, log_lines):
    client.get("/", headers={"X-Request-ID": "trace-log-1"})

    lines = [line for line in log_lines.getvalue().splitlines() if "affiliate.request" in line]
    assert len(lines) == 1
    assert "[trace-log-1] affiliate.request: GET / 200" in lines[0]


def test_request_id_filter_stamps_the_request_id_or_a_dash(app):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "message", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"

    with app.test_request_context("/"):
        g.request_id = "abc"
        RequestIdFilter().filter(record)
    assert record.request_id == "abc"


# --- security headers and cookies -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/healthz", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers

    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Content-Security-Policy" in headers


def test_content_security_policy_allows_no_inline_script_and_no_framing(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))

    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/no-such-page"])
def test_pages_have_no_inline_script_or_style_the_policy_would_block(client, path):
    page = client.get(path).get_data(as_text=True)

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert re.findall(r"\son[a-z]+\s*=", page) == []
    assert re.findall(r"\sstyle\s*=", page) == []
    assert "<style" not in page


def test_hsts_is_off_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_hsts_is_on_in_production(other_app):
    production = _production_app(other_app)

    # A static file: the production app here points at no real database.
    response = production.test_client().get("/static/css/app.css")
    response.close()

    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "the page set no session cookie"
    return cookies[0]


def test_session_cookie_is_http_only_and_same_site_lax(client):
    cookie = _session_cookie(client.get("/login"))

    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_in_production(other_app):
    production = _production_app(other_app)

    cookie = _session_cookie(production.test_client().get("/login"))

    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_pages_are_not_kept_by_shared_caches(client):
    # The page cache answers an anonymous page "private, no-cache" with an ETag (it carries the
    # visitor's CSRF token): a browser may revalidate it, a shared cache may not keep it.
    directives = {d.strip() for d in client.get("/").headers["Cache-Control"].split(",")}
    assert directives & {"private", "no-store"}
    assert "public" not in directives


# --- error pages ----------------------------------------------------------------------------


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "We couldn&#39;t find that page" in page or "We couldn't find that page" in page
    assert "Go to the home page" in page


def test_wrong_method_is_a_friendly_405(client):
    response = client.post("/")

    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "That action isn" in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})

    assert response.status_code == 404
    assert response.is_json
    assert response.json["error"] == "We couldn't find that page"
    assert response.json["detail"]


def test_browsers_accepting_anything_get_html_errors(client):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/no-such-page", headers={"Accept": accept})
    assert response.mimetype == "text/html"


CSRF_EXPIRED = "Your form expired or was sent from elsewhere; go back, reload and try again."


def test_a_csrf_failure_for_a_json_client_is_a_short_json_400(client):
    response = client.post("/logout", headers={"Accept": "application/json"})

    assert response.status_code == 400
    assert response.json == {"error": "Your form expired", "detail": CSRF_EXPIRED}


def test_a_csrf_failure_for_htmx_is_a_short_fragment(client):
    response = client.post("/logout", headers={"HX-Request": "true"})

    assert response.status_code == 400
    fragment = response.get_data(as_text=True)
    assert CSRF_EXPIRED in fragment
    assert "<html" not in fragment
    assert len(fragment) < 300


def test_a_csrf_failure_links_back_only_to_a_page_of_this_site(client):
    elsewhere = client.post("/logout", headers={"Referer": "https://evil.example/form"})

    assert elsewhere.status_code == 400
    assert CSRF_EXPIRED in elsewhere.get_data(as_text=True)
    assert "evil.example" not in elsewhere.get_data(as_text=True)


@pytest.fixture
def failing_app(database, other_app) -> Flask:
    failing = other_app(make_test_app, database.url, PROPAGATE_EXCEPTIONS=False)

    @failing.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals: password=hunter2")

    return failing


def test_unexpected_error_is_a_friendly_500_page_without_internals(failing_app):
    response = failing_app.test_client().get("/boom")

    assert response.status_code == 500
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "hunter2" not in page
    assert "Traceback" not in page
    assert "RuntimeError" not in page


def test_unexpected_error_for_a_json_client_is_a_json_500(failing_app):
    response = failing_app.test_client().get("/boom", headers={"Accept": "application/json"})

    assert response.status_code == 500
    assert response.json["error"] == "Something went wrong on our side"
    assert "hunter2" not in response.get_data(as_text=True)


def test_500_page_still_carries_the_security_headers_and_request_id(failing_app):
    response = failing_app.test_client().get("/boom", headers={"X-Request-ID": "trace-500"})

    assert response.headers["X-Request-ID"] == "trace-500"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response.headers


# --- production configuration ---------------------------------------------------------------


def _good_production_settings(**changes: Any) -> dict[str, Any]:
    settings = {
        "SECRET_KEY": GOOD_SECRET,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://app@db.internal/affiliate",
        "DEBUG": False,
        "REDIS_URL": "redis://redis.internal:6379/0",
        "PAYMENT_PROVIDER": "stripe",
        "PAYOUT_PROVIDER": "stripe",
        "STRIPE_SECRET_KEY": "sk_live_from_the_vault",
        "STRIPE_WEBHOOK_SECRET": "whsec_from_the_vault",
        "STRIPE_PUBLISHABLE_KEY": "pk_live_public",
        "ALLOW_TEST_PROVIDERS": False,
    }
    settings.update(changes)
    return settings


def test_production_config_accepts_a_good_configuration():
    ProductionConfig.validate(_good_production_settings())


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 31}, "SECRET_KEY"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:///instance/affiliate.db"}, "PostgreSQL"),
        ({"DEBUG": True}, "DEBUG"),
        ({"REDIS_URL": None}, "REDIS_URL"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
        ({"PAYMENT_PROVIDER": "test"}, "test providers"),
        ({"PAYOUT_PROVIDER": "simulated"}, "test providers"),
    ],
    ids=[
        "no-secret",
        "none-secret",
        "short-secret",
        "sqlite",
        "debug",
        "no-redis",
        "empty-redis",
        "test-payments",
        "simulated-payouts",
    ],
)
def test_production_config_refuses_an_insecure_default(changes, complaint):
    with pytest.raises(InsecureConfigError, match=complaint):
        ProductionConfig.validate(_good_production_settings(**changes))


def test_production_config_allows_test_providers_only_when_told_to():
    ProductionConfig.validate(
        _good_production_settings(
            PAYMENT_PROVIDER="test", PAYOUT_PROVIDER="simulated", ALLOW_TEST_PROVIDERS=True
        )
    )


def test_production_config_lists_every_problem_at_once():
    with pytest.raises(InsecureConfigError) as refused:
        ProductionConfig.validate(_good_production_settings(SECRET_KEY="", DEBUG=True))
    assert "SECRET_KEY" in str(refused.value)
    assert "DEBUG" in str(refused.value)


@pytest.mark.parametrize(
    "missing", ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_PUBLISHABLE_KEY"]
)
def test_production_app_refuses_stripe_payments_without_its_keys(other_app, missing):
    with pytest.raises(InsecureConfigError, match=f"{missing} must be set"):
        _production_app(other_app, **{missing: ""})


def test_production_app_refuses_to_start_on_sqlite(other_app):
    with pytest.raises(InsecureConfigError, match="PostgreSQL"):
        _production_app(other_app, DATABASE_URL="sqlite:///instance/affiliate.db")


def test_production_app_refuses_to_start_without_a_secret_key(monkeypatch, other_app):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(InsecureConfigError, match="SECRET_KEY"):
        other_app(
            create_app,
            ProductionConfig,
            DATABASE_URL=UNREACHABLE_POSTGRES,
            REDIS_URL=UNREACHABLE_REDIS,
            PAYMENT_PROVIDER="stripe",
            PAYOUT_PROVIDER="stripe",
        )


def test_production_secret_key_comes_only_from_the_environment(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert ProductionConfig.secret_key() == ""
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)
    assert ProductionConfig.secret_key() == GOOD_SECRET


def test_production_cookies_are_secure_by_configuration():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True
    assert ProductionConfig.HSTS_ENABLED is True
    assert TestingConfig.SESSION_COOKIE_HTTPONLY is True
    assert TestingConfig.SESSION_COOKIE_SAMESITE == "Lax"


def test_app_env_picks_the_config_class(monkeypatch):
    monkeypatch.setenv("APP_ENV", "Production")
    assert config_from_environment() is ProductionConfig
    monkeypatch.delenv("APP_ENV")
    assert config_from_environment() is DevelopmentConfig


def test_unknown_app_env_is_refused(monkeypatch):
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(InsecureConfigError, match="staging"):
        config_from_environment()


# --- development secret key -----------------------------------------------------------------


@pytest.fixture
def instance_dir(tmp_path, monkeypatch):
    directory = tmp_path / "instance"
    monkeypatch.setattr(config_module, "INSTANCE_DIR", directory)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return directory


def test_development_secret_key_is_generated_once_and_kept(instance_dir):
    first = DevelopmentConfig.secret_key()

    assert len(first) >= 32
    assert (instance_dir / "secret_key").read_text().strip() == first
    assert DevelopmentConfig.secret_key() == first


def test_development_secret_key_file_is_readable_only_by_its_owner(instance_dir):
    DevelopmentConfig.secret_key()

    mode = stat.S_IMODE((instance_dir / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_development_secret_key_is_different_on_another_machine(
    instance_dir, tmp_path, monkeypatch
):
    first = DevelopmentConfig.secret_key()
    monkeypatch.setattr(config_module, "INSTANCE_DIR", tmp_path / "elsewhere")
    assert DevelopmentConfig.secret_key() != first


def test_development_secret_key_from_the_environment_wins(instance_dir, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)

    assert DevelopmentConfig.secret_key() == GOOD_SECRET
    assert not (instance_dir / "secret_key").exists()


def test_development_secret_key_keeps_an_existing_key(instance_dir):
    instance_dir.mkdir()
    (instance_dir / "secret_key").write_text("k" * 64 + "\n")

    assert DevelopmentConfig.secret_key() == "k" * 64


def test_development_secret_key_replaces_an_empty_key_file(instance_dir):
    instance_dir.mkdir()
    (instance_dir / "secret_key").write_text("")

    key = DevelopmentConfig.secret_key()

    assert len(key) >= 32
    assert (instance_dir / "secret_key").read_text().strip() == key


def test_development_secret_key_leaves_no_temporary_file(instance_dir):
    DevelopmentConfig.secret_key()
    assert [p.name for p in instance_dir.iterdir()] == ["secret_key"]
