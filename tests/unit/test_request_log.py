"""Outcome names in the request log: the documented messages, in snake_case."""

from __future__ import annotations

import json

import pytest

from billing_app import outcomes, request_log


@pytest.mark.parametrize("result,name", [
    (outcomes.Redirect("https://billing.stripe.com/p/session/x"), "redirect"),
    (outcomes.NOT_AUTHENTICATED, "unauthorized"),
    (outcomes.NO_SUBSCRIPTION, "no_subscription_found"),
    (outcomes.PORTAL_FAILED, "failed_to_create_portal_session"),
    (outcomes.ALREADY_SUBSCRIBED, "already_subscribed"),
    (outcomes.Failure(500, "Something went wrong. Please try again."),
     "something_went_wrong_please_try_again"),
    (outcomes.Failure(429, "You can't do that: too many requests"),
     "you_cant_do_that_too_many_requests"),
])
def test_outcome_names(result, name):
    assert request_log.outcome_of(result) == name


def test_notes_outside_a_request_are_ignored():
    request_log.note_user("u")  # no current request: nothing to write to, nothing raised
    request_log.note_outcome("x")
    request_log.note_stripe_request("req_1")


def test_a_page_action_writes_one_json_line_with_what_was_noted(caplog):
    with request_log.logged_action("billing.open_portal") as record:
        request_log.note_user("user-1")
        request_log.note_stripe_request("req_abc")
        record.status, record.outcome = 200, "redirect"
    [line] = [r.getMessage() for r in caplog.records if r.name == "billing_app.requests"]
    parsed = json.loads(line)
    assert (parsed["kind"], parsed["route"], parsed["status"], parsed["outcome"]) == (
        "event", "billing.open_portal", 200, "redirect")
    assert (parsed["user_id"], parsed["stripe_request_id"]) == ("user-1", "req_abc")
    assert parsed["latency_ms"] >= 0


def test_a_page_action_that_raises_is_logged_as_a_500(caplog):
    with pytest.raises(RuntimeError), request_log.logged_action("login.sign_in"):
        raise RuntimeError("boom")
    [line] = [json.loads(r.getMessage()) for r in caplog.records
              if r.name == "billing_app.requests"]
    assert (line["status"], line["outcome"]) == (500, "exception")
