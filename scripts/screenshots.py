"""Take screenshots of the running app as each demo role, at desktop and phone width.

Usage: python scripts/screenshots.py http://127.0.0.1:5000 screenshots/
Needs Debian's chromium (``CHROMIUM_PATH``, default /usr/bin/chromium) and the test extras.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {
    None: ["/", "/login", "/signup", "/no-such-page"],
    "buyer@example.com": ["/", "/account"],
    "creator@example.com": ["/creator/"],
    "seller@example.com": ["/seller/"],
    "finance@example.com": ["/finance/", "/admin/audit"],
    "admin@example.com": ["/admin/", "/admin/users/1", "/admin/audit"],
}
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def main(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for email, paths in PAGES.items():
            for label, (width, height) in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                errors: list[str] = []
                page.on(
                    "console",
                    lambda m, errs=errors: errs.append(m.text) if m.type == "error" else None,
                )
                if email:
                    page.goto(f"{base}/login")
                    page.fill("#email", email)
                    page.fill("#password", "demo-pass-123")
                    page.click("main button[type=submit]")  # not the navbar's search
                    page.wait_for_url(lambda url: "/login" not in url)
                for path in paths:
                    page.goto(f"{base}{path}")
                    name = f"{(email or 'anon').split('@')[0]}{path.replace('/', '_')}_{label}.png"
                    page.screenshot(path=str(out / name), full_page=True)
                if errors:
                    print(email, label, "console errors:", errors)
                context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
