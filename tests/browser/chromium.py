"""Which Chromium the browser tests drive, and how: Debian's, never a downloaded one."""

from __future__ import annotations

import os
import shutil

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "Chromium not found: the browser tests are skipped "
    "(install it with `apt-get install -y chromium`, or set CHROMIUM to its path)"
)


def chromium_path() -> str | None:
    """``$CHROMIUM``, else ``chromium`` on the PATH, else /usr/bin/chromium; None if none runs."""
    candidate = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if os.path.isfile(candidate) and os.access(candidate, os.X_OK) else None
