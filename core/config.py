"""Configuration classes, read from the environment with embedded development defaults."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))


class InsecureConfigError(RuntimeError):
    """The production configuration was asked to start on an insecure default."""


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw is None or raw.strip() == "" else int(raw)


def _env_amounts(name: str, default: dict[str, int]) -> dict[str, int]:
    """Amounts per currency in minor units, from ``"EUR=1000,GBP=800"``; the default's
    currencies that the variable does not name keep their default."""
    raw = os.environ.get(name, "")
    amounts = dict(default)
    for item in raw.split(","):
        if item.strip():
            currency, _, amount = item.partition("=")
            amounts[currency.strip().upper()] = int(amount)
    return amounts


def _development_secret_key() -> str:
    """Read the development secret key from ``instance/``, creating it once.

    The file is written under a temporary name with owner-only permissions and then linked
    into place, so it is never readable by others, never seen half-written, and two
    processes starting at once agree on one key.
    """
    path = INSTANCE_DIR / "secret_key"
    if path.exists() and (existing := path.read_text().strip()):
        return existing
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    temporary = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    try:
        os.link(temporary, path)  # fails if another process got there first
    except FileExistsError:
        if existing := path.read_text().strip():
            return existing
        os.replace(temporary, path)  # an empty file left by a crash: replace it
    finally:
        temporary.unlink(missing_ok=True)
    return key


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class BaseConfig:
    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'affiliate.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    # How long a signed-in identity may be kept between requests (core.accounts.identity_cache).
    IDENTITY_CACHE_SECONDS = _env_int("IDENTITY_CACHE_SECONDS", 60)
    # A pooled connection idle this long is pinged before use (core.db); busy ones are not.
    DATABASE_PING_IDLE_SECONDS = _env_int("DATABASE_PING_IDLE_SECONDS", 10)
    REDIS_URL: str | None = os.environ.get("REDIS_URL") or None
    RQ_QUEUES = ("default", "payouts")

    PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "test")
    PAYOUT_PROVIDER = os.environ.get("PAYOUT_PROVIDER", "simulated")
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")

    STRIPE_MAX_NETWORK_RETRIES = _env_int("STRIPE_MAX_NETWORK_RETRIES", 2)
    # Stripe.js, the one third-party script (the pay page only; its origin alone is let in
    # by that page's CSP), and the publishable key its card form runs with.
    STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY")
    # Starts every idempotency key sent to a provider (default: a hash of SECRET_KEY and the
    # database URL), so two installations sharing one Stripe account never collide.
    IDEMPOTENCY_KEY_PREFIX = os.environ.get("IDEMPOTENCY_KEY_PREFIX") or None

    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    UPLOAD_MAX_IMAGE_BYTES = _env_int("UPLOAD_MAX_IMAGE_BYTES", 5 * 1024 * 1024)

    ORDER_PAY_WITHIN_MINUTES = _env_int("ORDER_PAY_WITHIN_MINUTES", 30)
    SHOP_AUTO_DELIVER_DAYS = _env_int("SHOP_AUTO_DELIVER_DAYS", 14)
    SHOP_RETURN_WINDOW_DAYS = _env_int("SHOP_RETURN_WINDOW_DAYS", 7)
    PLAN_RATE_CUT_NOTICE_DAYS = _env_int("PLAN_RATE_CUT_NOTICE_DAYS", 30)
    # A creator who receives a free sample posts content with it within this many days of delivery.
    SAMPLE_POSTING_DAYS = _env_int("SAMPLE_POSTING_DAYS", 14)
    FLAT_FEE_CLEARING_DAYS = _env_int("FLAT_FEE_CLEARING_DAYS", 7)
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024)
    # Creators' content: video uploads are streamed to disk, so this may exceed the above.
    UPLOAD_MAX_VIDEO_BYTES = _env_int("UPLOAD_MAX_VIDEO_BYTES", 200 * 1024 * 1024)
    ATTRIBUTION_WINDOW_DAYS = _env_int("ATTRIBUTION_WINDOW_DAYS", 7)
    # Finance answers a dispute case (a contest, a claim) within this many days.
    DISPUTE_ANSWER_DAYS = _env_int("DISPUTE_ANSWER_DAYS", 7)
    # Repeated views (and clicks) by one visitor within this window count once.
    EVENT_DEDUP_SECONDS = _env_int("EVENT_DEDUP_SECONDS", 30 * 60)
    # Views, taps and adds are buffered and written in batches (affiliate.creators.attribution
    # .ingest): "auto" (a Redis list with REDIS_URL, else this process's memory), "redis",
    # "memory", or "direct" (each request writes its own event). A buffer is flushed every
    # EVENT_FLUSH_SECONDS by the periodic job; the in-process one also when it holds
    # EVENT_BUFFER_MAX events or its oldest is EVENT_FLUSH_SECONDS old, and at exit.
    EVENT_BUFFER = os.environ.get("EVENT_BUFFER", "auto")
    EVENT_FLUSH_SECONDS = _env_int("EVENT_FLUSH_SECONDS", 5)
    EVENT_BUFFER_MAX = _env_int("EVENT_BUFFER_MAX", 2_000)
    # The centres' sales figures (totals, days, breakdowns over a period) are reused for this
    # many seconds per creator / store and period, in each server process; 0 reads them live.
    # Balances, lines, orders and queues are never cached.
    CENTRE_FIGURES_SECONDS = _env_int("CENTRE_FIGURES_SECONDS", 60)
    # Messages: a seller's messages before the creator answers; new conversations a store may
    # open a day (a base, plus one per slice of 30-day affiliate GMV in minor units, capped).
    MESSAGES_BEFORE_REPLY = _env_int("MESSAGES_BEFORE_REPLY", 5)
    MESSAGES_FIRST_CONTACTS_BASE = _env_int("MESSAGES_FIRST_CONTACTS_BASE", 20)
    MESSAGES_FIRST_CONTACTS_PER_GMV = _env_int("MESSAGES_FIRST_CONTACTS_PER_GMV", 100_000)
    MESSAGES_FIRST_CONTACTS_CAP = _env_int("MESSAGES_FIRST_CONTACTS_CAP", 200)

    DEFAULT_CURRENCY = os.environ.get("DEFAULT_CURRENCY", "USD")
    WITHDRAWAL_FEE_BPS = _env_int("WITHDRAWAL_FEE_BPS", 200)
    # Amounts per currency are in that currency's minor units and set per currency: no rate
    # converts one into another. A currency the ``…S`` table leaves out takes the plain setting.
    WITHDRAWAL_MIN_AMOUNT = _env_int("WITHDRAWAL_MIN_AMOUNT", 1000)  # minor units: $10.00
    WITHDRAWAL_MIN_AMOUNTS = _env_amounts(
        "WITHDRAWAL_MIN_AMOUNTS",
        {"EUR": 1000, "GBP": 1000, "CAD": 1500, "AUD": 1500, "SGD": 1500, "JPY": 1500},
    )
    # A withdrawal above this (minor units: $1,000.00) needs two different finance officers.
    FOUR_EYES_THRESHOLD = _env_int("FOUR_EYES_THRESHOLD", 100_000)
    FOUR_EYES_THRESHOLDS = _env_amounts(
        "FOUR_EYES_THRESHOLDS",
        {
            "EUR": 100_000,
            "GBP": 80_000,
            "CAD": 140_000,
            "AUD": 150_000,
            "SGD": 130_000,
            "JPY": 150_000,
        },
    )
    # A payout left in processing this long (a worker died) is resolved by the recovery job.
    PAYOUT_STUCK_MINUTES = _env_int("PAYOUT_STUCK_MINUTES", 15)
    # After a creator changes their payout account, new withdrawals wait this long.
    PAYOUT_ACCOUNT_COOLDOWN_HOURS = _env_int("PAYOUT_ACCOUNT_COOLDOWN_HOURS", 48)
    # Tax details are required before a withdrawal that takes the calendar year's payouts past
    # this many minor units ($600.00).
    TAX_DETAILS_THRESHOLD = _env_int("TAX_DETAILS_THRESHOLD", 60_000)
    TAX_DETAILS_THRESHOLDS = _env_amounts(
        "TAX_DETAILS_THRESHOLDS",
        {"EUR": 60_000, "GBP": 50_000, "CAD": 80_000, "AUD": 90_000, "SGD": 80_000, "JPY": 90_000},
    )
    # Fraud rules (``affiliate.fraud``): a rule that trips holds the commission for finance.
    # Brushing: this many orders (or more) from one buyer through one creator within the window,
    # each of at most this many minor units ($15.00).
    FRAUD_BRUSHING_MIN_ORDERS = _env_int("FRAUD_BRUSHING_MIN_ORDERS", 5)
    FRAUD_BRUSHING_MAX_AMOUNT = _env_int("FRAUD_BRUSHING_MAX_AMOUNT", 1500)
    FRAUD_BRUSHING_WINDOW_HOURS = _env_int("FRAUD_BRUSHING_WINDOW_HOURS", 24)
    # Quick refunds: at least this many of one buyer's orders through one creator in the last
    # N days, and at least this share (percent) of them refunded within N hours of payment.
    FRAUD_QUICK_REFUND_MIN_ORDERS = _env_int("FRAUD_QUICK_REFUND_MIN_ORDERS", 3)
    FRAUD_QUICK_REFUND_SHARE_PERCENT = _env_int("FRAUD_QUICK_REFUND_SHARE_PERCENT", 50)
    FRAUD_QUICK_REFUND_HOURS = _env_int("FRAUD_QUICK_REFUND_HOURS", 48)
    FRAUD_QUICK_REFUND_LOOKBACK_DAYS = _env_int("FRAUD_QUICK_REFUND_LOOKBACK_DAYS", 30)
    # An order placed this few seconds (or fewer) after the tap that attributed it (0: off).
    FRAUD_TAP_TO_ORDER_SECONDS = _env_int("FRAUD_TAP_TO_ORDER_SECONDS", 5)
    # Sample abuse: a sample not posted about by its deadline holds the creator's new
    # commissions from that store for this many days after the deadline.
    FRAUD_SAMPLE_ABUSE_DAYS = _env_int("FRAUD_SAMPLE_ABUSE_DAYS", 90)
    STRIPE_CONNECT_WEBHOOK_SECRET = os.environ.get("STRIPE_CONNECT_WEBHOOK_SECRET")
    MONEY_LOCALE = os.environ.get("MONEY_LOCALE", "en_US")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    HSTS_ENABLED = False

    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 64 * 1024
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 5 minutes")
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "30 per 5 minutes")
    SIGNUP_LIMIT_PER_IP = os.environ.get("SIGNUP_LIMIT_PER_IP", "20 per hour")
    # Wrong two-factor codes per account (sign-in, enrolment, step-up share one count).
    TWO_FACTOR_LIMIT = os.environ.get("TWO_FACTOR_LIMIT", "5 per 5 minutes")
    # How long "remember this device" skips the code; how long a step-up confirmation lasts.
    TWO_FACTOR_REMEMBER_DAYS = _env_int("TWO_FACTOR_REMEMBER_DAYS", 30)
    STEP_UP_MINUTES = _env_int("STEP_UP_MINUTES", 10)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", REDIS_URL or "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # While Redis is down, sign-in keeps its limits in this process's memory instead of failing.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS: dict[str, Any] = {"socket_connect_timeout": 1, "socket_timeout": 1}
    # Redis answers fast or is treated as down: a page never hangs on it.
    REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "2"))
    # Public pages from the page cache (core.web.pagecache): the longest an entry is kept;
    # writes and promotion windows end it sooner. 0 turns the cache off.
    PAGE_CACHE_SECONDS = _env_int("PAGE_CACHE_SECONDS", 300)
    # A signed-in user's centre pages (core.web.privatepages), kept while nothing they read
    # changed: the longest an entry lives (clock-derived text may lag this long). 0: off.
    PRIVATE_PAGE_SECONDS = _env_int("PRIVATE_PAGE_SECONDS", 60)
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX") or "yc-pages:"
    # The outbox: how long a claimed row is left to its relay, and how old a due row may get
    # before /healthz calls the queue degraded.
    OUTBOX_LEASE_SECONDS = _env_int("OUTBOX_LEASE_SECONDS", 300)
    OUTBOX_OVERDUE_SECONDS = _env_int("OUTBOX_OVERDUE_SECONDS", 120)
    # Outgoing webhooks may reach private and loopback addresses (and http://): tests only.
    WEBHOOKS_ALLOW_PRIVATE = _env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
    # The embedded default's clock: periodic jobs on a thread of `flask serve` (no Redis).
    SCHEDULER_TICK_SECONDS = _env_int("SCHEDULER_TICK_SECONDS", 5)

    # Mail: SMTP when MAIL_URL is set (smtp://user:password@host:587?starttls=true or
    # smtps://...), else files under instance/mail/, shown on /dev/mail outside production.
    MAIL_URL = os.environ.get("MAIL_URL") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "Yellowcart <no-reply@yellowcart.local>")
    MAIL_DIR = os.environ.get("MAIL_DIR") or None
    # The site's public address, for links in mail (default: the address of the request).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or None
    EMAIL_VERIFY_HOURS = _env_int("EMAIL_VERIFY_HOURS", 72)
    EMAIL_CHANGE_HOURS = _env_int("EMAIL_CHANGE_HOURS", 24)
    PASSWORD_RESET_MINUTES = _env_int("PASSWORD_RESET_MINUTES", 60)

    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
    ADMIN_PAGE_SIZE = 25
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    @classmethod
    def secret_key(cls) -> str:
        return os.environ.get("SECRET_KEY") or _development_secret_key()

    @classmethod
    def validate(cls, config: dict[str, Any]) -> None:
        """Refuse to start on a configuration that is unsafe for this environment."""


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"


class TestingConfig(BaseConfig):
    ENV_NAME = "testing"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    REDIS_URL = None
    RATELIMIT_STORAGE_URI = "memory://"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8 * 1024
    UPLOAD_DIR = str(INSTANCE_DIR / "test-uploads")
    DEMO_IMAGE_SIZE = 64  # the demo draws its product pictures; small ones keep tests fast
    DEMO_IMAGES_PER_PRODUCT = 1
    MAIL_URL = "memory://"  # tests read what was sent; the SMTP tests start their own server
    # Tests tap a card and pay in the same second, which this fraud rule would hold; it is off
    # here and switched on by the fraud tests (tests/fraud/conftest.py).
    FRAUD_TAP_TO_ORDER_SECONDS = 0
    # Tests read an event right after its request; the buffer's own tests switch it on.
    EVENT_BUFFER = "direct"
    CENTRE_FIGURES_SECONDS = 0  # tests read figures live (the cache has tests of its own)
    # Signed-in identities kept between requests, in this process (production keeps them only
    # with Redis): every test that signs in goes through the cache and its invalidation.
    IDENTITY_CACHE = True

    @classmethod
    def secret_key(cls) -> str:
        return "test-secret-key-not-for-production"


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_ENABLED = True
    PREFERRED_URL_SCHEME = "https"
    ALLOW_TEST_PROVIDERS = _env_bool("ALLOW_TEST_PROVIDERS", False)
    WEBHOOKS_ALLOW_PRIVATE = False  # never in production, whatever the environment says

    @classmethod
    def secret_key(cls) -> str:
        return os.environ.get("SECRET_KEY", "")

    @classmethod
    def validate(cls, config: dict[str, Any]) -> None:
        problems = []
        if len(config.get("SECRET_KEY") or "") < 32:
            problems.append("SECRET_KEY must be set to at least 32 random characters")
        if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
            problems.append("DATABASE_URL must point at PostgreSQL, not SQLite")
        if config.get("DEBUG"):
            problems.append("DEBUG must be off")
        if not config.get("REDIS_URL"):
            problems.append("REDIS_URL must be set: jobs may not run inside web requests")
        test_providers = config["PAYMENT_PROVIDER"] == "test" or (
            config["PAYOUT_PROVIDER"] == "simulated"
        )
        if test_providers and not config.get("ALLOW_TEST_PROVIDERS"):
            problems.append(
                "PAYMENT_PROVIDER/PAYOUT_PROVIDER are the built-in test providers; "
                "set them to stripe (or ALLOW_TEST_PROVIDERS=1 for a staging site)"
            )
        if config["PAYMENT_PROVIDER"] == "stripe":
            for key in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_PUBLISHABLE_KEY"):
                if not config.get(key):
                    problems.append(f"{key} must be set when PAYMENT_PROVIDER=stripe")
        if problems:
            raise InsecureConfigError("refusing to start: " + "; ".join(problems))


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[BaseConfig]:
    name = os.environ.get("APP_ENV", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise InsecureConfigError(f"APP_ENV={name!r} is not one of {sorted(CONFIGS)}") from None
