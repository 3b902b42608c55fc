"""The WSGI entry point: `gunicorn wsgi:app` serves nicu_milk."""

from nicu_milk import create_app

app = create_app()
