"""Running checks: all at once, each within its time limit, after those it needs, in order."""

from __future__ import annotations

import asyncio
import time

import httpx

from billing_app.doctor.checks import Check, Status, failed, ok, run_checks


def check(name, run, *needs, section="S"):
    return Check(section, name, run, fix=f"fix {name}", needs=needs)


def answer(finding, delay=0.0):
    async def run():
        await asyncio.sleep(delay)
        return finding
    return run


def results(checks, timeout_s=5.0):
    return asyncio.run(run_checks(checks, timeout_s))


def test_independent_checks_run_at_once_and_report_in_the_order_given():
    started = time.monotonic()
    found = results([check(f"c{i}", answer(ok(f"fine {i}"), delay=0.3)) for i in range(5)])
    assert time.monotonic() - started < 1.0  # not 5 × 0.3 s
    assert [(r.check.name, r.finding.summary) for r in found] == [
        (f"c{i}", f"fine {i}") for i in range(5)]


def test_a_check_waits_for_what_it_needs_and_is_skipped_when_that_fails():
    order = []

    def noting(name, finding):
        async def run():
            order.append(name)
            return finding
        return run

    found = results([
        check("after", noting("after", ok("ran")), "first"),
        check("first", answer(ok("ok"), delay=0.1)),
        check("broken", answer(failed("no", "fix it"))),
        check("blocked", noting("blocked", ok("never")), "broken"),
    ])
    by_name = {r.check.name: r.finding for r in found}
    assert by_name["after"].status == Status.OK and order == ["after"]
    assert by_name["blocked"].status == Status.SKIPPED
    assert by_name["blocked"].summary == "not checked, as the S broken check didn't hold"


def test_needs_are_looked_up_within_the_section():
    found = results([
        check("Key", answer(failed("refused", "fix")), section="A"),
        check("Key", answer(ok("fine")), section="B"),
        check("Uses key", answer(ok("ran")), "Key", section="B"),
    ])
    assert [r.finding.status for r in found] == [Status.FAILED, Status.OK, Status.OK]


def test_a_check_past_its_time_limit_fails_with_its_fix_and_the_others_still_answer():
    found = results([check("slow", answer(ok("late"), delay=5)),
                     check("quick", answer(ok("fine")))], timeout_s=0.2)
    assert (found[0].finding.status, found[0].finding.summary, found[0].finding.fix) == (
        Status.FAILED, "no answer within 0.2 s", "fix slow")
    assert found[1].finding.status == Status.OK


def test_an_error_is_the_checks_failure_not_a_crash():
    async def refused():
        raise httpx.ConnectError("All connection attempts failed")

    [found] = results([check("url", refused)])
    assert found.finding.status == Status.FAILED
    assert found.finding.summary == "no answer (ConnectError: All connection attempts failed)"
    assert found.finding.fix == "fix url"
