"""What the hostile-input tests share: sending batches of cases over real HTTP, and the checks
every answer must pass whatever was sent.

Hypothesis draws one batch of cases per example, and the batch goes to the app as hosted over
one pooled connection set, several requests at a time: thousands of cases fit in well under a
minute while every answer still comes from the real app, its real clients and the stand-ins.
"""

from __future__ import annotations

import concurrent.futures
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import httpx

# Cases per Hypothesis example, and how many of them are in flight at once.
BATCH = 50
IN_FLIGHT = 8
# Words that only a stack trace or a framework's debug page would put in an answer.
TRACE_MARKERS = ("Traceback", 'File "', "Exception", "starlette", "reflex", "site-packages")


@dataclass
class Sent:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class Tally:
    """How many cases went out, and for how long, across every example of one test."""

    cases: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, answers: Iterable[Answer], seconds: float) -> None:
        for answer in answers:
            self.cases += 1
            self.statuses[answer.status] = self.statuses.get(answer.status, 0) + 1
        self.seconds += seconds


def pooled_client() -> httpx.Client:
    return httpx.Client(timeout=30, limits=httpx.Limits(max_connections=IN_FLIGHT * 2,
                                                        max_keepalive_connections=IN_FLIGHT * 2))


def send_all(client: httpx.Client, requests: Sequence[Sent], tally: Tally) -> list[Answer]:
    """Send every request, IN_FLIGHT at a time; the answers in the same order."""

    def one(sent: Sent) -> Answer:
        try:
            response = client.request(sent.method, sent.url, headers=sent.headers,
                                      content=sent.body)
        except httpx.TransportError as exc:
            raise AssertionError(f"the app dropped the request ({exc!r}): {sent.method} "
                                 f"{sent.headers!r:.1500} body {sent.body[:200]!r}") from exc
        return Answer(response.status_code, response.headers, response.content)

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(IN_FLIGHT) as pool:
        answers = list(pool.map(one, requests))
    tally.add(answers, time.monotonic() - started)
    return answers


def check_nothing_leaks(answer: Answer, secrets: Sequence[str], describe: Callable[[], str]) -> None:
    """No secret in any header or the body, and nothing that looks like a stack trace."""
    head = "\n".join(f"{k}: {v}" for k, v in answer.headers.multi_items())
    text = answer.body.decode("utf-8", "replace")
    for secret in secrets:
        assert secret not in head and secret not in text, f"a secret came back: {describe()}"
    for marker in TRACE_MARKERS:
        assert marker not in text, f"{marker!r} in the answer: {describe()}\n{text[:500]}"
