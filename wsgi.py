"""What gunicorn serves: ``gunicorn wsgi:app``. Settings come from the environment.

Under the ``flask`` command a setting that cannot be used (DATA_DIR, PUBLIC_BASE_URL,
SECRET_KEY, ...) is one line and exit status 2, not a traceback; gunicorn logs the traceback.
"""

import sys
from pathlib import Path

from api import create_app


def _under_flask_cli() -> bool:
    return "flask" in Path(sys.argv[0] if sys.argv else "").parts[-2:]


try:
    app = create_app()
except ValueError as error:
    if not _under_flask_cli():
        raise
    print(f"Error: {error}", file=sys.stderr)  # noqa: T201 - the command's one line
    raise SystemExit(2) from None
