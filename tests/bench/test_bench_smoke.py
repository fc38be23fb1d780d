"""`make bench` still runs end to end and reports every figure, the page loads' too. Timings are
not asserted here: claims about speed come from the full benchmark (bench/RESULTS.md)."""

from __future__ import annotations

import json
import subprocess
import sys

from devstack.chromium import chromium_path
from devstack.config import PROJECT_ROOT
from devstack.postgres import PostgresError, find_bin_dir
from tests.helpers import require


def test_the_benchmark_runs_and_reports_every_figure(tmp_path):
    try:
        find_bin_dir()
    except PostgresError as exc:
        require(False, str(exc))
    require(chromium_path() is not None, "Chromium is not installed (apt-get install chromium)")
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--json", str(out)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for figure in ("floor:", "p50", "p95", "p99", "p50/fl", "p99/fl", "req/s", "errors",
                   "cpu ms/req", "app / reference", "RSS (MB)", "click-to-redirect", "goals",
                   "page load in Chromium", "plan on screen", "transferred", "HTML in",
                   "hydrate event sent", "the plan's state in", "app / reference cold",
                   "cold load to the plan", "warm load", "cold transfer"):
        assert figure in result.stdout, f"the report lacks {figure!r}"
    report = json.loads(out.read_text())
    seen = {(p["server"], p["latency"], p["concurrency"]) for p in report["phases"]}
    assert seen == {(server, latency, users) for server in ("app", "reference")
                    for latency in ("injected", "zero") for users in (2, 4)}
    assert all(p["requests"] > 0 and p["cpu_ms_per_request"] > 0 for p in report["phases"])
    assert set(report["rss"]) == {"app", "reference"} and report["floor_ms"] > 0
    assert len(report["click_to_redirect_ms"]) == 2
    assert set(report["page_loads"]) == {"app", "reference"}
    for site in report["page_loads"].values():
        assert set(site) == {"cold", "warm", "again"}
        assert all(load["loads"] == 2 and load["plan_ms"] > 0 for load in site.values())
    assert report["page_loads"]["app"]["cold"]["bytes"] > 0
