"""One load run, in a process of its own so its CPU never counts as a server's.

Each of `--concurrency` workers is one signed-in user (its own token, so each request is a
distinct user's), posting to the portal endpoint back to back on a kept-alive connection, for
`--duration` seconds or until `--requests` have been made. Prints one JSON object: latencies in
ms, status counts, elapsed seconds. aiohttp is the client because it costs far less CPU per
request than httpx, and the two cores of the machine are shared with the servers measured.

    python -m bench.load --url URL --tokens FILE --concurrency 10 --duration 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter

import aiohttp


async def run(url: str, tokens: list[str], concurrency: int, duration: float,
              requests: int | None) -> dict:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    deadline = time.perf_counter() + duration
    budget = [requests if requests is not None else float("inf")]
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)

    async def worker(token: str, session: aiohttp.ClientSession) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            started = time.perf_counter()
            try:
                async with session.post(url, headers=headers) as response:
                    await response.read()
                    statuses[str(response.status)] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                statuses[type(exc).__name__] += 1
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(tokens[i % len(tokens)], session)
                               for i in range(concurrency)))
    return {"latencies_ms": latencies, "statuses": dict(statuses),
            "elapsed_s": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--url", required=True)
    parser.add_argument("--tokens", required=True, help="a JSON file with a list of tokens")
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--requests", type=int, default=None)
    args = parser.parse_args()
    with open(args.tokens) as f:
        tokens = json.load(f)
    result = asyncio.run(run(args.url, tokens, args.concurrency, args.duration, args.requests))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
