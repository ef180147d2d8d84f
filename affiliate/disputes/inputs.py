"""What a party writes on a case, checked: a reason, evidence text and links."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from affiliate.disputes.exceptions import DisputeError

REASON_MAX = 500
BODY_MAX = 4000
LINKS_MAX = 5
LINK_MAX = 500


def clean_reason(reason: str | None, *, field: str = "reason") -> str:
    text = (reason or "").strip()
    if len(text) < 3:
        raise DisputeError("Say why, in a few words at least.", field=field)
    if len(text) > REASON_MAX:
        raise DisputeError(f"Keep the reason under {REASON_MAX} characters.", field=field)
    return text


def clean_body(body: str | None) -> str:
    text = (body or "").strip()
    if len(text) > BODY_MAX:
        raise DisputeError(f"Keep the text under {BODY_MAX} characters.", field="evidence")
    return text


def clean_links(raw: str | Iterable[str] | None) -> list[str]:
    """Evidence links, one a line: http(s) addresses only, at most five."""
    lines = raw.splitlines() if isinstance(raw, str) else list(raw or [])
    links = [line.strip() for line in lines if line.strip()]
    if len(links) > LINKS_MAX:
        raise DisputeError(f"Give at most {LINKS_MAX} links.", field="links")
    for link in links:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > LINK_MAX:
            raise DisputeError(f"{link[:60]!r} is not a web address (https://…).", field="links")
        if any(ord(ch) < 32 or ch.isspace() for ch in link):
            raise DisputeError("A link cannot contain spaces.", field="links")
    return links
