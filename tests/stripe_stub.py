"""A small local stand-in for the Stripe API, for tests that run the real ``stripe`` SDK.

Start it with ``StripeStub().start()`` (or the ``stripe_stub`` fixture of a conftest) and point
the SDK at ``stub.url`` (``STRIPE_API_BASE``, or ``base_addresses={"api": stub.url}``). It
speaks what the SDK sends: form-encoded bodies (``metadata[payment_id]=7``) and JSON replies
with an ``"object"`` field. It keeps:

- PaymentIntents (create with a ``client_secret``, retrieve, confirm, cancel,
  ``set_intent_status``), Refunds (``set_refund_status``), Accounts, AccountLinks and Transfers
  (create, retrieve, list);
- what a browser running Stripe.js reaches: ``GET /v3/`` serves a stand-in for Stripe.js
  (``stripe_js_stub.js``), ``POST /v1/payment_intents/<id>/confirm`` takes the publishable key
  and the client secret as form fields (and answers any origin, as Stripe does), and
  ``GET /3ds/<id>`` is a 3-D Secure challenge page ("Complete" / "Fail"). Confirming decides by
  card number: ``SUCCEEDS`` succeeds, ``DECLINED`` is declined (402 ``card_declined``),
  ``THREE_D_SECURE`` answers ``requires_action`` until the challenge is completed or failed;
- Idempotency: a POST repeated with the same ``Idempotency-Key`` answers with the very same
  object (the same key with other parameters is a 400 ``idempotency_error``, as Stripe does);
- Injected errors, one per request, in order: ``stub.fail_next("rate_limit")`` (429),
  ``"card_declined"`` / ``"insufficient_funds"`` (402), ``"server_error"`` (500) and
  ``"drop"`` (the connection closes without an answer).

``sign(payload, secret)`` and ``event_payload(...)`` build webhooks signed with Stripe's scheme
(``t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<payload>">``), for the API version the installed SDK
pins. With ``webhook_url`` and ``webhook_secret`` set, the stub sends the events a real account
would (``payment_intent.succeeded`` / ``.payment_failed`` / ``.canceled``, ``refund.updated``)
to the app, shortly after the change; with ``hold_webhooks`` it keeps them until
``release_webhooks()``, so a test can look at the page while it waits.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

_ids = itertools.count(1)
STRIPE_JS = Path(__file__).with_name("stripe_js_stub.js")

# Stripe's test cards, as the stub's confirm answers them.
SUCCEEDS = "4242424242424242"
DECLINED = "4000000000000002"
THREE_D_SECURE = "4000002760003184"
AUTHENTICATION_FAILED = (
    "We are unable to authenticate your payment method. Please choose a different payment "
    "method and try again."
)


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
    stripe_version: str | None = None


@dataclass
class StripeStub:
    api_key_prefix: str = "sk_test_"
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    _idempotent: dict[str, tuple[str, dict[str, Any], int, dict[str, Any]]] = field(
        default_factory=dict
    )
    _errors: list[tuple[str, str | None]] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _server: ThreadingHTTPServer | None = None
    # Webhooks to the app (off unless ``webhook_url`` is set).
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_delay: float = 0.3
    hold_webhooks: bool = False
    refund_status: str = "succeeded"  # what a new refund says at once ("pending": later)
    held: list[str] = field(default_factory=list)
    delivered: list[tuple[str, int]] = field(default_factory=list)  # (event type, HTTP status)
    _delivery_condition: threading.Condition = field(default_factory=threading.Condition)

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

    def set_refund_status(
        self, refund_id: str, status: str, *, failure_reason: str | None = None
    ) -> dict[str, Any]:
        """Move a refund on (as the card network would) and send ``refund.updated``."""
        refund = self.objects[refund_id]
        refund["status"] = status
        if failure_reason:
            refund["failure_reason"] = failure_reason
        self.emit("refund.updated", refund)
        return refund

    # ------------------------------------------------------------------ webhooks to the app

    def emit(self, event_type: str, obj: dict[str, Any]) -> None:
        """Send ``event_type`` for ``obj`` to the app (soon, or when released if held)."""
        if not self.webhook_url:
            return
        payload = event_payload(event_type, json.loads(json.dumps(obj)))
        if self.hold_webhooks:
            with self._lock:
                self.held.append(payload)
            return
        timer = threading.Timer(self.webhook_delay, self._deliver, args=(payload,))
        timer.daemon = True
        timer.start()

    def release_webhooks(self) -> list[int]:
        """Send the held events now, in order; return the app's HTTP statuses."""
        with self._lock:
            payloads, self.held = self.held, []
        return [self._deliver(payload) for payload in payloads]

    def wait_for_deliveries(self, count: int, timeout: float = 10) -> list[tuple[str, int]]:
        # A condition, not a sleep loop: libfaketime (CI's run a year ahead) breaks time.sleep.
        with self._delivery_condition:
            self._delivery_condition.wait_for(lambda: len(self.delivered) >= count, timeout)
            return list(self.delivered)

    def _deliver(self, payload: str) -> int:
        assert self.webhook_url
        assert self.webhook_secret
        request = urllib.request.Request(  # noqa: S310 - the test's own local app
            self.webhook_url,
            data=payload.encode(),
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": sign(payload, self.webhook_secret),
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        with self._delivery_condition:
            self.delivered.append((json.loads(payload)["type"], status))
            self._delivery_condition.notify_all()
        return status

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
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        key: str | None,
        stripe_version: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        self.requests.append(Recorded(method, path, params, key, stripe_version))
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
        action = re.fullmatch(r"/v1/payment_intents/([^/]+)/(confirm|cancel|3ds)", path)
        if action and method == "POST":
            intent = self.objects.get(action.group(1))
            if intent is None or intent["object"] != "payment_intent":
                return 404, _error(
                    "invalid_request_error", "No such payment_intent", "resource_missing"
                )
            with self._lock:
                verb = action.group(2)
                if verb == "confirm":
                    return self._confirm(intent, params)
                if verb == "cancel":
                    return self._cancel(intent, params)
                return self._finish_3ds(intent, params)
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

    # ------------------------------------------------------------------ intents move on

    def _unexpected(self, intent: dict[str, Any], doing: str) -> tuple[int, dict[str, Any]]:
        body = _error(
            "invalid_request_error",
            f"You cannot {doing} this PaymentIntent because it has a status of {intent['status']}.",
            "payment_intent_unexpected_state",
        )
        body["error"]["payment_intent"] = dict(intent)
        return 400, body

    def _succeed(self, intent: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            last_payment_error=None,
            next_action=None,
        )
        self.emit("payment_intent.succeeded", intent)
        return 200, dict(intent)

    def _decline(
        self, intent: dict[str, Any], code: str, message: str, decline_code: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        error = {"type": "card_error", "code": code, "message": message}
        if decline_code:
            error["decline_code"] = decline_code
        intent.update(status="requires_payment_method", last_payment_error=error, next_action=None)
        self.emit("payment_intent.payment_failed", intent)
        return 402, {"error": {**error, "payment_intent": dict(intent)}}

    def _confirm(
        self, intent: dict[str, Any], params: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if intent["status"] in ("succeeded", "canceled", "processing"):
            return self._unexpected(intent, "confirm")
        data = params.get("payment_method_data") or {}
        card = data.get("card") if isinstance(data, dict) else None
        number = "".join(ch for ch in str((card or {}).get("number", "")) if ch.isdigit())
        method = params.get("payment_method")
        if number == SUCCEEDS or method == "pm_card_visa":
            return self._succeed(intent)
        if number == DECLINED or method == "pm_card_chargeDeclined":
            return self._decline(
                intent, "card_declined", "Your card was declined.", "generic_decline"
            )
        if number == THREE_D_SECURE or method == "pm_card_authenticationRequired":
            intent.update(
                status="requires_action",
                next_action={
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {"type": "three_d_secure_redirect"},
                },
                last_payment_error=None,
            )
            return 200, dict(intent)
        return 402, _card_error("incorrect_number", "Your card number is incorrect.")

    def _finish_3ds(
        self, intent: dict[str, Any], params: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if intent["status"] != "requires_action":
            return self._unexpected(intent, "authenticate")
        if params.get("outcome") == "complete":
            return self._succeed(intent)
        # The bank's page answers; the intent now says why (Stripe.js reads it from there).
        self._decline(intent, "payment_intent_authentication_failure", AUTHENTICATION_FAILED)
        return 200, dict(intent)

    def _cancel(self, intent: dict[str, Any], params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if intent["status"] in ("succeeded", "canceled"):
            return self._unexpected(intent, "cancel")
        intent.update(
            status="canceled",
            canceled_at=int(time.time()),
            cancellation_reason=params.get("cancellation_reason"),
            next_action=None,
        )
        self.emit("payment_intent.canceled", intent)
        return 200, dict(intent)

    def _new_refund(self, prefix: str, params: dict[str, Any]) -> dict[str, Any]:
        refund = self._base(prefix, "refund")
        intent = self.objects.get(params.get("payment_intent", ""))
        amount = int(params.get("amount") or (intent or {}).get("amount", 0))
        refund.update(
            amount=amount,
            payment_intent=params.get("payment_intent"),
            status=self.refund_status,
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


def _card_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"type": "card_error", "code": code, "message": message}}


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
        if method == "GET" and parts.path in ("/v3", "/v3/"):
            self._send(200, "application/javascript", STRIPE_JS.read_bytes())
            return
        if method == "GET" and parts.path.startswith("/3ds/"):
            self._challenge_page(parts.path[len("/3ds/") :])
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        params = decode_form(body if method == "POST" else parts.query)
        auth = self.headers.get("Authorization", "")
        server = auth.startswith("Bearer " + self.stub.api_key_prefix)
        if not server and not self._from_the_buyers_browser(method, parts.path, params):
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
            method,
            parts.path,
            params,
            self.headers.get("Idempotency-Key"),
            self.headers.get("Stripe-Version"),
        )
        self._reply(status, reply)

    def _from_the_buyers_browser(self, method: str, path: str, params: dict[str, Any]) -> bool:
        """Stripe.js's calls: a publishable key, and the intent's own client secret."""
        found = re.fullmatch(r"/v1/payment_intents/([^/]+)(/confirm|/3ds)?", path)
        if not found or (method == "GET") != (found.group(2) is None):
            return False
        if not str(params.get("key", "")).startswith("pk_test_"):
            return False
        intent = self.stub.objects.get(found.group(1)) or {}
        secret = intent.get("client_secret")
        return bool(secret) and hmac.compare_digest(str(params.get("client_secret", "")), secret)

    def _challenge_page(self, intent_id: str) -> None:
        intent_id = escape(intent_id)
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>3-D Secure test challenge</title>
<style>body{{font:15px system-ui,sans-serif;margin:0;padding:20px;color:#111827}}
h1{{font-size:17px}} button{{font:inherit;padding:8px 16px;margin-right:8px;cursor:pointer}}</style>
</head><body><h1>Test bank: confirm this payment</h1>
<p>This is the Stripe test stub's 3-D Secure challenge for {intent_id}.</p>
<button type="button" data-outcome="complete">Complete</button>
<button type="button" data-outcome="fail">Fail</button>
<script>
var params = new URLSearchParams(location.search);
document.querySelectorAll("button").forEach(function (button) {{
  button.addEventListener("click", function () {{
    var body = new URLSearchParams({{key: "pk_test_3ds", client_secret: params.get("client_secret"),
                                    outcome: button.dataset.outcome}});
    fetch("/v1/payment_intents/{intent_id}/3ds", {{method: "POST", body: body}})
      .then(function () {{ parent.postMessage({{intent: "{intent_id}"}}, "*"); }});
  }});
}});
</script></body></html>"""
        self._send(200, "text/html; charset=utf-8", page.encode())

    def _send(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(data)

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", new_id("req"))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(data)

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Content-Length", "0")
        self.end_headers()

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


#: Unset, the events carry the API version the installed SDK pins (as our account's would).
PINNED = object()


def event_payload(
    event_type: str,
    obj: dict[str, Any],
    event_id: str | None = None,
    *,
    api_version: Any = PINNED,
) -> str:
    """The JSON body of a webhook event carrying ``obj`` (e.g. a PaymentIntent); pass
    ``api_version=None`` for an event without one, or another version string."""
    event: dict[str, Any] = {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": stripe.api_version if api_version is PINNED else api_version,
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": event_type,
        "data": {"object": obj},
    }
    if event["api_version"] is None:
        del event["api_version"]
    return json.dumps(event)
