"""Run one stand-in in the foreground: `python -m devstack.serve supabase|stripe`.

`devstack up` starts each stand-in this way, in its own session, with the stack's settings in
`DEVSTACK_*` variables (see `config.py`).
"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from devstack.config import StackConfig


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack.serve")
    parser.add_argument("service", choices=["supabase", "stripe"])
    args = parser.parse_args()
    config = StackConfig.from_env()
    if args.service == "supabase":
        from devstack.supabase_standin.app import create_app

        port = config.supabase_port
    else:
        from devstack.stripe_standin.app import create_app

        port = config.stripe_port
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    uvicorn.run(
        create_app(config),
        host=config.host,
        port=port,
        log_level="warning",
        access_log=False,
        # Enough room for the benchmark's 50 concurrent users and the webhook deliveries.
        backlog=1024,
        timeout_keep_alive=30,
    )


if __name__ == "__main__":
    main()
