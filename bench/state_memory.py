"""What abandoned tabs cost the backend: anonymous visitors connect, hydrate and leave, and Reflex
keeps each tab's state until its token expires (`redis_token_expiration` in rxconfig.py, which
every Reflex state manager reads).

    python -m bench.state_memory [--visits 1500] [--rounds 2] [--expiry-s N]

One run starts the stand-ins and the app as hosted (`reflex run --env prod`, one worker, no
Redis), warms it up, then per round: N visits (a socket.io connect carrying the page's
hydrate event, as the browser sends it, the first answer, a disconnect), the app's RSS and the
states on disk right after, and again once the expiry has passed. `--expiry-s` overrides the
app's setting (REFLEX_REDIS_TOKEN_EXPIRATION) to see the same cycle sooner.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import psutil
import socketio

from devstack.app_process import free_port, start_app
from devstack.config import PROJECT_ROOT, StackConfig
from devstack.stack import destroy, up

HYDRATE = "reflex___state____state.hydrate_and_load"
# Reflex checks its states' expiry this often at most (the disk manager's write-queue loop).
PURGE_SLACK_S = 15


async def visit(url: str, path: str) -> bool:
    """One anonymous tab: connect with the hydrate event (as the page does), take the first
    answer, leave. True when the backend answered."""
    answered = asyncio.Event()
    client = socketio.AsyncClient(reconnection=False)
    client.on("event", lambda _data: answered.set(), namespace="/_event")
    boot = {"name": HYDRATE, "payload": {},
            "router_data": {"pathname": path, "asPath": path, "query": {}}}
    try:
        await client.connect(f"{url}?token={uuid.uuid4()}", socketio_path="/_event",
                             namespaces=["/_event"], transports=["websocket"],
                             headers={"Origin": url}, auth={"event": boot}, wait_timeout=10)
        await asyncio.wait_for(answered.wait(), 10)
        return True
    except (TimeoutError, socketio.exceptions.SocketIOError):
        return False
    finally:
        await client.disconnect()


async def anonymous_visits(url: str, count: int, concurrency: int = 10,
                           path: str = "/login") -> int:
    """`count` visits, `concurrency` at a time; how many the backend answered."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> bool:
        async with gate:
            return await visit(url, path)

    return sum(await asyncio.gather(*(one() for _ in range(count))))


def rss_mb(pid: int) -> float:
    root = psutil.Process(pid)
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def states_on_disk(project: Path) -> int:
    return len(list((project / ".states").glob("*.pkl")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--expiry-s", type=int, default=None,
                        help="override the app's state expiry (seconds)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="state-memory-"))
    stack = StackConfig(state_dir=work / "stack", supabase_port=free_port(),
                        postgres_port=free_port(), stripe_port=free_port())
    extra = {"REFLEX_REDIS_TOKEN_EXPIRATION": str(args.expiry_s)} if args.expiry_s else {}
    try:
        up(stack)
        app = start_app(stack, work / "app.log", extra_env=extra)
        from rxconfig import config

        expiry = args.expiry_s or config.redis_token_expiration
        project = PROJECT_ROOT  # where start_app runs it, and so where `.states` is
        try:
            asyncio.run(anonymous_visits(app.url, 100))
            time.sleep(2)
            base = rss_mb(app.process.pid)
            print(f"state expiry {expiry} s; after warm-up RSS {base:.1f} MB", flush=True)
            for number in range(1, args.rounds + 1):
                started = time.monotonic()
                answered = asyncio.run(anonymous_visits(app.url, args.visits))
                took = time.monotonic() - started
                time.sleep(2)
                after = rss_mb(app.process.pid)
                print(f"round {number}: {answered}/{args.visits} visits in {took:.0f} s; "
                      f"RSS {after:.1f} MB ({after - base:+.1f}); "
                      f"{states_on_disk(project)} states on disk", flush=True)
                time.sleep(max(0.0, expiry - (time.monotonic() - started)) + PURGE_SLACK_S)
                expired = rss_mb(app.process.pid)
                print(f"round {number}, {expiry} s on: RSS {expired:.1f} MB "
                      f"({expired - base:+.1f}); {states_on_disk(project)} states on disk",
                      flush=True)
        finally:
            app.stop()
    finally:
        destroy(stack)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
