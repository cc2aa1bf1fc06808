"""The lab's files are private: the umask every chemassist process (CLI, web app, the servers they start) runs under.

Kept apart from `app.services.bootstrap` so that setting it costs nothing at start-up (no database or service imports).
"""

from __future__ import annotations

import os

# The app's files hold the lab's chemistry and its accounts: only the app's own user may read them.
PRIVATE_UMASK = 0o077


def private_files() -> None:
    """From now on this process (and the servers it starts) creates files 0600 and folders 0700."""
    os.umask(PRIVATE_UMASK)
