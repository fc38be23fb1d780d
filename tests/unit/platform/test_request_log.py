"""The request log: outcomes by their own names, one JSON line per page action, and notes that
reach only the line of the request that made them."""

from __future__ import annotations

import json
import re

import pytest

from billing_app.platform import request_log
from billing_app.platform.outcomes import Outcome


def lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records
            if r.name == "billing_app.requests"]


def test_outcome_names_are_stable_snake_case_and_unique():
    names = [outcome.value for outcome in Outcome]
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", name) for name in names)
    assert len(set(names)) == len(names)
    assert Outcome.NO_SUBSCRIPTION.value == "no_subscription"


def test_notes_outside_a_request_reach_no_line(caplog):
    request_log.note_user("stray-user")
    request_log.note_outcome(Outcome.UPSTREAM_FAILED)
    request_log.note_stripe_request("req_stray")
    with request_log.logged_action("billing.open_portal"):
        pass
    [line] = lines(caplog)
    assert (line["user_id"], line["outcome"], line["stripe_request_id"]) == (None, None, None)


def test_a_page_action_writes_one_json_line_with_what_was_noted(caplog):
    with request_log.logged_action("billing.open_portal"):
        request_log.note_user("user-1")
        request_log.note_stripe_request("req_abc")
        request_log.note_outcome(Outcome.REDIRECT)
    [line] = lines(caplog)
    assert (line["kind"], line["route"], line["outcome"]) == (
        "event", "billing.open_portal", "redirect")
    assert (line["user_id"], line["stripe_request_id"]) == ("user-1", "req_abc")
    assert line["latency_ms"] >= 0


def test_a_page_action_that_raises_is_logged_as_an_exception(caplog):
    with pytest.raises(RuntimeError), request_log.logged_action("login.sign_in"):
        raise RuntimeError("boom")
    [line] = lines(caplog)
    assert line["outcome"] == "exception"
