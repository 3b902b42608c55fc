"""The WSGI entry point: `gunicorn wsgi:app` serves nicu_milk; `flask --app wsgi` runs its
commands.

A wrong setting stops start-up with a message naming it, and no traceback: the exit status 4
is gunicorn's "the application could not be loaded", so gunicorn stops instead of restarting
workers that can never start.
"""

import sys

from nicu_milk import StartupError, create_app

try:
    app = create_app()
except StartupError as wrong:
    print(wrong, file=sys.stderr)
    raise SystemExit(4) from None
