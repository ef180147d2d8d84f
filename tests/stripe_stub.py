"""A small local stand-in for the Stripe API, for tests that run the real ``stripe`` SDK.

Start it with ``StripeStub().start()`` (or the ``stripe_stub`` fixture of a conftest) and point
the SDK at ``stub.url`` (``STRIPE_API_BASE``, or ``base_addresses={"api": stub.url}``). It
speaks what the SDK sends: form-encoded bodies (``metadata[payment_id]=7``) and JSON replies
with an ``"object"`` field. It keeps:

- PaymentIntents (create, retrieve, ``set_intent_status``), Refunds, Accounts, AccountLinks and
  Transfers (create, retrieve, list);
- Idempotency: a POST repeated with the same ``Idempotency-Key`` answers with the very same
  object (the same key with other parameters is a 400 ``idempotency_error``, as Stripe does);
- Injected errors, one per request, in order: ``stub.fail_next("rate_limit")`` (429),
  ``"card_declined"`` / ``"insufficient_funds"`` (402), ``"server_error"`` (500) and
  ``"drop"`` (the connection closes without an answer).

``sign(payload, secret)`` and ``event_payload(...)`` build webhooks signed with Stripe's scheme
(``t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<payload>">``).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_stub{next(_ids):08d}"


def decode_form(body: str) -> dict[str, Any]:
    """Decode Stripe's form encoding (``a[b][c]=v``, ``a[0]=v``) into nested dicts."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return result


ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "rate_limit": (
        429,
        {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many requests."},
    ),
    "card_declined": (
        402,
        {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": "Your card was declined.",
        },
    ),
    "insufficient_funds": (
        402,
        {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "message": "Your card has insufficient funds.",
        },
    ),
    "server_error": (500, {"type": "api_error", "message": "Something went wrong on Stripe."}),
}


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None


@dataclass
class StripeStub:
    api_key_prefix: str = "sk_test_"
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    _idempotent: dict[str, tuple[str, dict[str, Any], int, dict[str, Any]]] = field(
        default_factory=dict
    )
    _errors: list[tuple[str, str | None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> StripeStub:
        stub = self

        class Handler(_Handler):
            pass

        Handler.stub = stub
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the stub first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ------------------------------------------------------------------ test controls

    def fail_next(self, kind: str, path: str | None = None, times: int = 1) -> None:
        """Make the next ``times`` requests (to ``path`` if given) fail with ``kind``."""
        if kind not in ERRORS and kind != "drop":
            raise ValueError(f"unknown error kind {kind!r}")
        with self._lock:
            self._errors.extend([(kind, path)] * times)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [obj for obj in self.objects.values() if obj["object"] == kind]

    def calls(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def set_intent_status(
        self, intent_id: str, status: str, *, error_message: str | None = None
    ) -> dict[str, Any]:
        intent = self.objects[intent_id]
        intent["status"] = status
        if status == "succeeded":
            intent["amount_received"] = intent["amount"]
            intent["last_payment_error"] = None
        if error_message:
            intent["last_payment_error"] = {"type": "card_error", "message": error_message}
        return intent

    # ------------------------------------------------------------------ the API

    def _take_error(self, path: str) -> str | None:
        with self._lock:
            for index, (kind, only) in enumerate(self._errors):
                if only is None or path.startswith(only):
                    del self._errors[index]
                    return kind
        return None

    def handle(
        self, method: str, path: str, params: dict[str, Any], key: str | None
    ) -> tuple[int, dict[str, Any]]:
        self.requests.append(Recorded(method, path, params, key))
        if method == "POST" and key:
            with self._lock:
                replay = self._idempotent.get(key)
            if replay is not None:
                old_path, old_params, status, body = replay
                if (old_path, old_params) != (path, params):
                    return 400, _error(
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters.",
                    )
                return status, body
        status, body = self._route(method, path, params)
        if method == "POST" and key and status < 500:
            with self._lock:
                self._idempotent[key] = (path, params, status, body)
        return status, body

    def _route(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        collections = {
            "/v1/payment_intents": ("pi", "payment_intent", self._new_intent),
            "/v1/refunds": ("re", "refund", self._new_refund),
            "/v1/accounts": ("acct", "account", self._new_account),
            "/v1/account_links": ("", "account_link", self._new_account_link),
            "/v1/transfers": ("tr", "transfer", self._new_transfer),
        }
        for prefix, (id_prefix, kind, make) in collections.items():
            if path == prefix and method == "POST":
                obj = make(id_prefix, params)
                if "id" in obj:
                    self.objects[obj["id"]] = obj
                return 200, obj
            if path == prefix and method == "GET":
                items = sorted(self.of_type(kind), key=lambda o: o["created"], reverse=True)
                return 200, {"object": "list", "url": prefix, "has_more": False, "data": items}
            if path.startswith(prefix + "/") and method == "GET":
                obj = self.objects.get(path[len(prefix) + 1 :])
                if obj is None or obj["object"] != kind:
                    return 404, _error(
                        "invalid_request_error", f"No such {kind}", "resource_missing"
                    )
                return 200, obj
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({method} {path})")

    @staticmethod
    def _base(id_prefix: str, kind: str) -> dict[str, Any]:
        return {
            "id": new_id(id_prefix),
            "object": kind,
            "created": int(time.time()),
            "livemode": False,
        }

    def _new_intent(self, prefix: str, params: dict[str, Any]) -> dict[str, Any]:
        intent = self._base(prefix, "payment_intent")
        intent.update(
            amount=int(params["amount"]),
            amount_received=0,
            currency=params["currency"],
            status="requires_payment_method",
            client_secret=f"{intent['id']}_secret_stub",
            metadata=params.get("metadata", {}),
            description=params.get("description"),
            last_payment_error=None,
        )
        return intent

    def _new_refund(self, prefix: str, params: dict[str, Any]) -> dict[str, Any]:
        refund = self._base(prefix, "refund")
        intent = self.objects.get(params.get("payment_intent", ""))
        amount = int(params.get("amount") or (intent or {}).get("amount", 0))
        refund.update(
            amount=amount,
            payment_intent=params.get("payment_intent"),
            status="succeeded",
            currency=(intent or {}).get("currency", "usd"),
            metadata=params.get("metadata", {}),
        )
        return refund

    def _new_account(self, prefix: str, params: dict[str, Any]) -> dict[str, Any]:
        account = self._base(prefix, "account")
        account.update(
            type=params.get("type", "express"),
            email=params.get("email"),
            metadata=params.get("metadata", {}),
            payouts_enabled=False,
            charges_enabled=False,
        )
        return account

    def _new_account_link(self, prefix: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "object": "account_link",
            "created": int(time.time()),
            "expires_at": int(time.time()) + 300,
            "url": f"https://connect.stripe.test/setup/{params.get('account', 'acct')}",
        }

    def _new_transfer(self, prefix: str, params: dict[str, Any]) -> dict[str, Any]:
        transfer = self._base(prefix, "transfer")
        transfer.update(
            amount=int(params["amount"]),
            currency=params["currency"],
            destination=params.get("destination"),
            transfer_group=params.get("transfer_group"),
            metadata=params.get("metadata", {}),
            reversed=False,
        )
        return transfer


def _error(kind: str, message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": kind, "message": message}
    if code:
        error["code"] = code
    return {"error": error}


class _Handler(BaseHTTPRequestHandler):
    stub: StripeStub
    server_version = "StripeStub/1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        params = decode_form(body if method == "POST" else parts.query)
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer " + self.stub.api_key_prefix):
            self._reply(401, _error("invalid_request_error", "Invalid API Key provided."))
            return
        injected = self.stub._take_error(parts.path)
        if injected == "drop":
            self.close_connection = True
            self.connection.close()
            return
        if injected is not None:
            status, error = ERRORS[injected]
            self.stub.requests.append(
                Recorded(method, parts.path, params, self.headers.get("Idempotency-Key"))
            )
            self._reply(status, {"error": error})
            return
        status, reply = self.stub.handle(
            method, parts.path, params, self.headers.get("Idempotency-Key")
        )
        self._reply(status, reply)

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", new_id("req"))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


# ---------------------------------------------------------------------------- webhooks


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header for ``payload``, as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def event_payload(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> str:
    """The JSON body of a webhook event carrying ``obj`` (e.g. a PaymentIntent)."""
    return json.dumps(
        {
            "id": event_id or new_id("evt"),
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": event_type,
            "data": {"object": obj},
        }
    )
