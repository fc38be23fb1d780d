"""Where Chromium is and how to launch it here, for the browser tests and the benchmark.

Playwright can't download its browser on these machines, so both use Debian's Chromium
(`apt-get install chromium`, or CHROMIUM_PATH), with the flags a closed network needs: without
the background-networking ones, Chromium keeps trying to reach Google's services.
"""

from __future__ import annotations

import os
import shutil

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
