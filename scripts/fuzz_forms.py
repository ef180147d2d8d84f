"""Feed every form of the running app malformed values, as each demo role, and report 5xx answers.

Usage: python scripts/fuzz_forms.py http://127.0.0.1:5000 [--max 200]
Crawls like ``scripts/crawl.py``, collects each page's POST forms (their fields and CSRF
token), and submits each form several times with bad values: every field empty, very long
text, negative and huge numbers, markup, and the wrong types. It changes data: run it against
a throwaway database (a demo seeded for it). Exits 1 if any answer was a 5xx.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

from scripts.crawl import ACCOUNTS, SKIP, Links, sign_in

BAD_VALUES = (
    "",
    "x" * 5000,
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "12.345",
    "<script>alert(1)</script>",
    "ünï©ødé 😀",
    "2026-13-45T25:61",
)
NEVER = re.compile(r"/(logout|login)$")


class Forms(HTMLParser):
    """The POST forms of a page: action and field names (with hidden values kept)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._current: tuple[str, dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form" and attributes.get("method", "get").lower() == "post":
            self._current = (attributes.get("action", ""), {})
        elif tag in ("input", "select", "textarea") and self._current is not None:
            name = attributes.get("name")
            if name:
                hidden = attributes.get("type") == "hidden"
                self._current[1][name] = attributes.get("value", "") if hidden else ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._current is not None:
            self.forms.append(self._current)
            self._current = None


def pages_and_forms(
    session: requests.Session, base: str, limit: int
) -> dict[str, tuple[str, dict[str, str]]]:
    host = urlsplit(base).netloc
    seen, queue = {"/"}, deque(["/"])
    forms: dict[str, tuple[str, dict[str, str]]] = {}
    while queue and len(seen) <= limit:
        path = queue.popleft()
        answer = session.get(base + path)
        if "text/html" not in answer.headers.get("Content-Type", ""):
            continue
        form_parser, link_parser = Forms(), Links()
        form_parser.feed(answer.text)
        link_parser.feed(answer.text)
        for action, fields in form_parser.forms:
            target = urlsplit(urljoin(base + path, action or path))
            if target.netloc == host and not NEVER.search(target.path):
                forms.setdefault(target.path, (path, fields))
        for href in link_parser.links:
            url = urlsplit(urljoin(base + path, href))
            target = url.path + (f"?{url.query}" if url.query else "")
            if url.netloc == host and target not in seen and not SKIP.search(target):
                seen.add(target)
                queue.append(target)
    return forms


def fuzz(base: str, email: str | None, limit: int) -> list[str]:
    session = requests.Session()
    if email:
        sign_in(session, base, email)
    problems = []
    forms = pages_and_forms(session, base, limit)
    for action, (page, fields) in sorted(forms.items()):
        for bad in BAD_VALUES:
            data = {
                name: (value if name == "csrf_token" else bad) for name, value in fields.items()
            }
            answer = session.post(base + action, data=data, allow_redirects=False)
            if answer.status_code >= 500:
                sample = bad[:20]
                problems.append(f"{answer.status_code} POST {action} (from {page}) with {sample!r}")
    print(f"{email or 'visitor'}: {len(forms)} forms, {len(problems)} problems")
    for line in problems:
        print("   ", line)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--max", type=int, default=200)
    args = parser.parse_args()
    problems = [p for email in ACCOUNTS for p in fuzz(args.base.rstrip("/"), email, args.max)]
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
