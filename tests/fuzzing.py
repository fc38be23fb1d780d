"""What the hostile-input tests share: sending batches of cases to the app's routes in-process,
and the checks every answer must pass whatever was sent.

Hypothesis draws one batch of cases per example, and the batch goes to the routes several
requests at a time: thousands of cases fit in well under a minute while every answer still comes
from the real routes, their real clients and the stand-ins over HTTP.
"""

from __future__ import annotations

import concurrent.futures
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import httpx

from tests.in_process import InProcessApp

# Cases per Hypothesis example, and how many of them are in flight at once.
BATCH = 50
IN_FLIGHT = 8
# Words that only a stack trace or a framework's debug page would put in an answer.
TRACE_MARKERS = ("Traceback", 'File "', "Exception", "starlette", "reflex", "site-packages")


@dataclass
class Sent:
    method: str
    path: str
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

    def check(self, name: str, at_least: int, budget_s: float, statuses: Iterable[int]) -> None:
        """Print what ran; every case went out in time, and the mix reached each status."""
        print(f"\n{name} fuzz: {self.cases} cases in {self.seconds:.1f} s of requests; "
              f"statuses {dict(sorted(self.statuses.items()))}")
        assert self.cases >= at_least
        assert self.seconds < budget_s
        for status in statuses:
            assert self.statuses.get(status), f"no case was answered {status}: the mix is off"

    def add(self, answers: Iterable[Answer], seconds: float) -> None:
        for answer in answers:
            self.cases += 1
            self.statuses[answer.status] = self.statuses.get(answer.status, 0) + 1
        self.seconds += seconds


def send_all(app: InProcessApp, requests: Sequence[Sent], tally: Tally) -> list[Answer]:
    """Send every request, IN_FLIGHT at a time; the answers in the same order."""

    def one(sent: Sent) -> Answer:
        try:
            response = app.request(sent.method, sent.path, headers=sent.headers,
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
