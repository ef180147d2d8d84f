"""WSGI entry point: ``gunicorn wsgi:app``."""

from affiliate import create_app

app = create_app()
