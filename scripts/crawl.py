"""Crawl the running app as each demo role and report 5xx answers and broken links.

Usage: python scripts/crawl.py http://127.0.0.1:5000 [--max 400]
Follows same-site links found in pages (GET only; never the sign-out form), as a visitor
and as each demo account. Exits 1 if any page answered 5xx or any link answered 404.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

ACCOUNTS = [
    None,
    "buyer@example.com",
    "creator@example.com",
    "seller@example.com",
    "finance@example.com",
    "admin@example.com",
]
PASSWORD = "demo-pass-123"
SKIP = re.compile(r"^/(logout|static/|media/|webhooks/)|\.csv($|\?)|/export")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href and not href.startswith(("#", "mailto:", "javascript:")):
            self.links.append(href)


def sign_in(session: requests.Session, base: str, email: str) -> None:
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = session.post(
        f"{base}/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise SystemExit(f"could not sign in as {email}: {answer.status_code}")


def crawl(base: str, email: str | None, limit: int) -> list[str]:
    session = requests.Session()
    if email:
        sign_in(session, base, email)
    host = urlsplit(base).netloc
    seen, queue, problems, slow = {"/"}, deque([("/", "start")]), [], []
    while queue and len(seen) <= limit:
        path, source = queue.popleft()
        started = time.perf_counter()
        answer = session.get(base + path, allow_redirects=True)
        elapsed = time.perf_counter() - started
        if answer.status_code >= 500 or answer.status_code == 404:
            problems.append(f"{answer.status_code} {path} (linked from {source})")
        if elapsed > 1.0:
            slow.append(f"{elapsed:.2f}s {path}")
        if "text/html" not in answer.headers.get("Content-Type", ""):
            continue
        parser = Links()
        parser.feed(answer.text)
        for href in parser.links:
            url = urlsplit(urljoin(base + path, href))
            if url.netloc != host:
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in seen and not SKIP.search(target):
                seen.add(target)
                queue.append((target, path))
    print(f"{email or 'visitor'}: {len(seen)} pages, {len(problems)} problems, {len(slow)} slow")
    for line in problems + slow:
        print("   ", line)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--max", type=int, default=400)
    args = parser.parse_args()
    problems = [p for email in ACCOUNTS for p in crawl(args.base.rstrip("/"), email, args.max)]
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
