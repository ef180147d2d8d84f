"""A throw-away database for a benchmark: PostgreSQL when ``DATABASE_URL`` is set, else SQLite."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.config import normalise_database_url


def make_database(prefix: str = "affiliate_bench") -> tuple[str, Callable[[], None]]:
    """Create a database and return its URL and a function that drops it."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        folder = Path(tempfile.mkdtemp())
        return f"sqlite:///{folder / 'bench.db'}", lambda: shutil.rmtree(folder, True)
    base = make_url(normalise_database_url(url))
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop
