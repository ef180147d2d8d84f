"""The bare stack that the benches compare the project's pages with.

A tiny Flask app with no project code: SQLAlchemy Core on the database named by ``DATABASE_URL``
(the one a bench generated; SQLite or PostgreSQL) and plain Jinja templates written inline.

- ``/one/<id>``: one primary-key query of a product, rendered into a small page.
- ``/list``: the 20 newest active products joined with their store, rendered as a list.
- ``/healthz``: answers ``ok`` without touching the database (the harness waits for it).

Serve it the way the project is served: ``gunicorn -w 2 -k sync bench.bare_app:app`` from the
repository root, or through ``bench.harness.bare_spec(url)``.
"""

from __future__ import annotations

import os

from flask import Flask, abort
from sqlalchemy import create_engine, text

LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><header><a href="/">Shop</a> <a href="/list">New</a></header>
<main>{% block main %}{% endblock %}</main>
<footer>Bare stack</footer></body></html>"""

ONE = LAYOUT.replace("{% block title %}{% endblock %}", "{{ p.title }}").replace(
    "{% block main %}{% endblock %}",
    """<article><h1>{{ p.title }}</h1><p class="price">{{ price(p.price, p.currency) }}</p>
<p>{{ p.description }}</p><p>Sold {{ p.sold_count }}</p></article>""",
)

LIST = LAYOUT.replace("{% block title %}{% endblock %}", "New").replace(
    "{% block main %}{% endblock %}",
    """<h1>New</h1><ul>{% for row in rows %}
<li><a href="/one/{{ row.id }}">{{ row.title }}</a> {{ price(row.price, row.currency) }}
by <a href="/s/{{ row.handle }}">{{ row.store_name }}</a></li>{% endfor %}</ul>""",
)

ONE_SQL = text(
    "SELECT id, title, description, price, currency, sold_count FROM product WHERE id = :id"
)
LIST_SQL = text(
    "SELECT product.id, product.title, product.price, product.currency,"
    " store.name AS store_name, store.handle"
    " FROM product JOIN store ON store.id = product.store_id"
    " WHERE product.status = 'active' ORDER BY product.created_at DESC LIMIT 20"
)


def _url() -> str:
    url = os.environ.get("DATABASE_URL") or "sqlite:///instance/affiliate.db"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def price(minor: int, currency: str) -> str:
    return f"{currency} {minor // 100:,}.{minor % 100:02d}"


def create_bare_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(_url(), pool_pre_ping=False)
    # Compiled once, as Flask's loader caches the project's templates.
    one_page = app.jinja_env.from_string(ONE)
    list_page = app.jinja_env.from_string(LIST)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.get("/one/<int:product_id>")
    def one(product_id: int) -> str:
        with engine.connect() as conn:
            row = conn.execute(ONE_SQL, {"id": product_id}).first()
        if row is None:
            abort(404)
        return one_page.render(p=row, price=price)

    @app.get("/list")
    def listing() -> str:
        with engine.connect() as conn:
            rows = conn.execute(LIST_SQL).all()
        return list_page.render(rows=rows, price=price)

    return app


app = create_bare_app()
