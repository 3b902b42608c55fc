"""What gunicorn serves in test_served.py: nicu_milk, configured from the environment as in
wsgi.py but with its instance folder in a temporary directory, and one address that fails."""

import os

from nicu_milk import create_app

app = create_app(instance_path=os.environ["NICU_MILK_TEST_INSTANCE"])


def _broken():
    raise RuntimeError("a deliberate failure for the error log test")


app.add_url_rule("/broken", "broken", _broken)
app.add_url_rule("/api/v1/broken", "api_broken", _broken)
