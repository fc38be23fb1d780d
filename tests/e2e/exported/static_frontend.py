"""A plain static file server for the exported frontend (frontend.zip, unzipped), the way a CDN
or nginx serves it: files as they are, `dir/` as `dir/index.html` (and `dir` redirected to
`dir/`), and `404.html`, Reflex's single-page-app shell, for any other path, so a route the
export didn't prerender still loads in the browser.

    FRONTEND_DIR=<dir> python -m uvicorn --factory \
        tests.e2e.exported.static_frontend:create_app --port N
"""

from __future__ import annotations

import os

from starlette.staticfiles import StaticFiles


def create_app() -> StaticFiles:
    return StaticFiles(directory=os.environ["FRONTEND_DIR"], html=True)
