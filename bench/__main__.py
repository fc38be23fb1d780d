"""`make bench`: the portal path of the app beside its yardstick, against its floor.

One run:
1. starts the stand-ins (own folder, free ports) and makes N distinct users, each with their own
   Stripe customer, subscription and row, all signed in;
2. starts the app as it is hosted (`reflex run --env prod`) and `bench/reference_endpoint.py`;
3. with the injected latency (auth 30 ms, REST 30 ms, Stripe 200 ms by default; the
   DEVSTACK_*_LATENCY_MS variables or the flags change them), and again at zero latency, drives
   both with the same load, alternating between them, at each concurrency (10 and 50 users, 15 s
   each), and records latency percentiles, throughput, errors, and each server's own CPU time;
4. measures each server's RSS after warm-up and again once it has served 10,000 requests;
5. at zero latency, loads the billing page in Chromium as a signed-in user, cold (a fresh
   browser profile) and warm (back from the portal), from the app and from the reference's
   server-rendered page in turns, 15 of each: until the plan is on screen, the bytes
   transferred, and a timeline of where a load's time goes (bench/page_load.py);
6. measures click-to-redirect in Chromium: from the click on Manage Subscription until the
   portal URL starts loading, median of 20;
7. prints every figure with the app/reference ratios and the goals, and writes them as JSON.

The floor is max(auth, REST) + Stripe: the three calls made directly from the benchmark, one
request at a time (the injected latency plus what the stand-ins themselves take). No
implementation of the path can beat it; the ratios are taken against it. The reference runs on
the app's own sockets (httpx on aiohttp's pool) unless `--reference-transport=httpx`.
`--smoke` runs the same steps small and short, so the test suite can check that it still works.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import psutil

from bench import page_load
from billing_app.platform import paths
from devstack import seed
from devstack.app_process import AppProcess, free_port, start_app
from devstack.chromium import CHROMIUM_ARGS, chromium_path
from devstack.config import PROJECT_ROOT, StackConfig
from devstack.postgres import Cluster
from devstack.stack import control, destroy, up

GOALS = {
    "p50_over_floor_at_10": 1.05,
    "p99_over_floor_at_10": 1.25,
    "p50_over_floor_at_50": 1.25,
    "cpu_ratio": 1.2,
    "zero_latency_throughput_ratio": 0.8,
    "rss_growth": 0.10,
    "click_over_floor_ms": 100,
    "cold_load_ms": 400,
    "warm_load_ms": 250,
    "cold_transfer_kib": 200,
}


@dataclass
class Server:
    name: str
    url: str
    pid: int
    served: int = 0
    rss_start_mb: float = 0.0
    rss_after_mb: float | None = None
    rss_after_requests: int = 0

    def processes(self) -> list[psutil.Process]:
        root = psutil.Process(self.pid)
        return [root, *root.children(recursive=True)]

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.processes())

    def rss_mb(self) -> float:
        total = 0
        for proc in self.processes():
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total / 2**20


@dataclass
class Phase:
    server: str
    latency: str  # "injected" or "zero"
    concurrency: int
    requests: int
    errors: int
    statuses: dict[str, int]
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    throughput_rps: float
    cpu_ms_per_request: float
    stand_ins_cpu_ms_per_request: float
    client_cpu_ms_per_request: float


@dataclass
class Report:
    machine: dict
    settings: dict
    floor_ms: float  # measured: the three calls made directly, one request at a time
    injected_ms: float  # max(auth, REST) + Stripe latency as injected
    phases: list[Phase] = field(default_factory=list)
    rss: dict = field(default_factory=dict)
    click_to_redirect_ms: list[float] = field(default_factory=list)
    # per site ("app", "reference"): medians of the cold and warm loads (page_load.medians)
    page_loads: dict = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- setting up ------------------------------------------------------------------------------

def sign_in(stack: StackConfig, email: str) -> dict:
    """A fresh session from Supabase Auth (access_token, refresh_token, ...)."""
    response = httpx.post(
        f"{stack.supabase_url}/auth/v1/token?grant_type=password",
        headers={"apikey": stack.api_key("anon")},
        json={"email": email, "password": seed.DEMO_PASSWORD}, timeout=10)
    response.raise_for_status()
    return response.json()


def make_users(stack: StackConfig, count: int) -> tuple[list[str], str]:
    """`count` subscribed users, signed in: their access tokens, and their plan's name."""
    admin, sk = seed.admin_client(stack), seed.stripe_client(stack)
    tokens, plan = [], ""
    for n in range(count):
        plan = seed.create_subscriber(admin, sk, f"bench-{n}@example.com")["plan_label"]
        tokens.append(sign_in(stack, f"bench-{n}@example.com")["access_token"])
    return tokens, plan


# Never reached, and per second: the limiter still counts every request, but a user's moving
# window holds only the last second of them, as many as a real limit would keep (a per-minute
# window at this rate would make the limiter's lists, and its cost, grossly unrealistic).
BENCH_RATE_LIMIT = "1000000/second"


def set_latency(stack: StackConfig, auth: int, rest: int, stripe: int) -> None:
    control(stack, "supabase", "PUT", "latency", json={"auth": auth, "rest": rest})
    control(stack, "stripe", "PUT", "latency", json={"stripe": stripe})


def start_reference(stack: StackConfig, log_path: Path,
                    transport: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Its own address: the portal's return link leads back to its page.
    env = {**os.environ, **stack.app_env(), "SITE_URL": url,
           "BENCH_REFERENCE_TRANSPORT": transport}
    with log_path.open("ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bench.reference_endpoint", "--port",
                                 str(port)], cwd=PROJECT_ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(100):
        try:
            httpx.post(f"{url}/api/customer_portal", timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"the reference endpoint did not start; see {log_path}")


async def measured_floor(stack: StackConfig, token: str, samples: int) -> float:
    """The three calls made directly from here, one request at a time: the floor in practice."""
    anon = stack.api_key("anon")
    as_user = {"apikey": anon, "Authorization": f"Bearer {token}"}
    times = []
    async with httpx.AsyncClient(timeout=10) as http:
        for _ in range(samples):
            started = time.perf_counter()
            _, rows = await asyncio.gather(
                http.get(f"{stack.supabase_url}/auth/v1/user", headers=as_user),
                http.get(f"{stack.supabase_url}/rest/v1/user_subscriptions",
                         params={"select": "stripe_customer_id"}, headers=as_user))
            await http.post(f"{stack.stripe_api_base}/v1/billing_portal/sessions",
                            data={"customer": rows.json()[0]["stripe_customer_id"]},
                            headers={"Authorization": f"Bearer {stack.secrets.stripe_secret_key}"})
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# --- driving load ----------------------------------------------------------------------------

def stand_in_processes(stack: StackConfig) -> list[psutil.Process]:
    """The Supabase and Stripe stand-ins and PostgreSQL (all its backends): what every request
    also costs, outside either server measured."""
    pids = list(json.loads(stack.run_file.read_text()).values())
    postmaster = Cluster(stack).data / "postmaster.pid"
    pids.append(int(postmaster.read_text().splitlines()[0]))
    found = []
    for pid in pids:
        root = psutil.Process(pid)
        found += [root, *root.children(recursive=True)]
    return found


def cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for proc in processes:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def drive(server: Server, tokens_file: Path, concurrency: int, seconds: float,
          requests: int | None = None, stack: StackConfig | None = None) -> dict:
    command = [sys.executable, "-m", "bench.load", "--url", f"{server.url}/api/customer_portal",
               "--tokens", str(tokens_file), "--concurrency", str(concurrency),
               "--duration", str(seconds)]
    if requests is not None:
        command += ["--requests", str(requests)]
    stand_ins = stand_in_processes(stack) if stack else []
    cpu_before, stand_ins_before = server.cpu_seconds(), cpu_seconds(stand_ins)
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = json.loads(out.stdout)
    result["cpu_s"] = server.cpu_seconds() - cpu_before
    result["stand_ins_cpu_s"] = cpu_seconds(stand_ins) - stand_ins_before
    result["client_cpu_s"] = (client_after.ru_utime + client_after.ru_stime
                              - client_before.ru_utime - client_before.ru_stime)
    server.served += len(result["latencies_ms"])
    return result


def phase(server: Server, latency: str, concurrency: int, result: dict) -> Phase:
    lat = result["latencies_ms"]
    statuses = result["statuses"]
    ok = statuses.get("200", 0)
    return Phase(
        server=server.name, latency=latency, concurrency=concurrency, requests=len(lat),
        errors=len(lat) - ok, statuses=statuses, seconds=round(result["elapsed_s"], 2),
        p50_ms=round(percentile(lat, 50), 1), p95_ms=round(percentile(lat, 95), 1),
        p99_ms=round(percentile(lat, 99), 1),
        throughput_rps=round(len(lat) / result["elapsed_s"], 1),
        cpu_ms_per_request=round(result["cpu_s"] * 1000 / max(1, len(lat)), 2),
        stand_ins_cpu_ms_per_request=round(result["stand_ins_cpu_s"] * 1000 / max(1, len(lat)), 2),
        client_cpu_ms_per_request=round(result["client_cpu_s"] * 1000 / max(1, len(lat)), 2),
    )


def run_phases(report: Report, servers: list[Server], tokens_file: Path, latency: str,
               concurrencies: list[int], seconds: float, stack: StackConfig) -> None:
    for i, concurrency in enumerate(concurrencies):
        # Alternate which server goes first, so drift in the machine hits both alike.
        order = servers if i % 2 == 0 else list(reversed(servers))
        for server in order:
            result = drive(server, tokens_file, concurrency, seconds, stack=stack)
            report.phases.append(phase(server, latency, concurrency, result))
            print(f"  {latency:8} {server.name:9} {concurrency:3} users: "
                  f"{report.phases[-1].p50_ms} ms p50, {report.phases[-1].throughput_rps} req/s",
                  flush=True)


# --- the browser -----------------------------------------------------------------------------

def launch_chromium(playwright):
    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium is needed for the browser figures (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)


def session_cookies(stack: StackConfig, email: str) -> list[dict]:
    """The session cookies a signed-in browser holds."""
    session = sign_in(stack, email)
    return [{"name": "sb-access-token", "value": session["access_token"]},
            {"name": "sb-refresh-token", "value": session["refresh_token"]}]


def page_loads(servers: list[Server], stack: StackConfig, email: str, plan_text: str,
               samples: int) -> tuple[dict, list[page_load.Load]]:
    """The billing page's cold and warm loads, the app's and the reference's in turns."""
    from playwright.sync_api import sync_playwright

    cookies = session_cookies(stack, email)
    sites = [page_load.Site(server.name, server.url, paths.BILLING, cookies, plan_text,
                            portal_prefix=f"{stack.stripe_api_base}/p/session/")
             for server in servers]
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            loads = page_load.measure(browser, sites, samples)
        finally:
            browser.close()
    return {site.name: page_load.medians(loads, site.name) for site in sites}, loads


def click_to_redirect(app: Server, stack: StackConfig, email: str, clicks: int) -> list[float]:
    """From the button's click event in the page to the start of the portal request. Both moments
    reach this process the same way (a page binding, a request event), so their lag cancels out,
    and Playwright's own time to find and click the button is left out."""
    from playwright.sync_api import sync_playwright

    times = []
    portal = f"{stack.stripe_api_base}/p/session/"
    clicked_at: list[float] = []
    requested_at: list[float] = []
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(base_url=app.url)
        context.expose_binding("benchClicked",
                               lambda _source: clicked_at.append(time.perf_counter()))
        context.add_init_script(
            "document.addEventListener('click', () => window.benchClicked(), true)")
        page = context.new_page()
        page.on("request", lambda r: r.url.startswith(portal)
                and requested_at.append(time.perf_counter()))
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(seed.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/dashboard/settings/billing**", timeout=30_000)
        for _ in range(clicks):
            page.goto("/dashboard/settings/billing")
            button = page.get_by_role("button", name="Manage Subscription")
            button.wait_for(state="visible", timeout=30_000)
            clicked_at.clear()
            requested_at.clear()
            button.click()
            page.wait_for_url(f"{portal}**", timeout=30_000)
            times.append((requested_at[0] - clicked_at[0]) * 1000)
        browser.close()
    return times


# --- reporting -------------------------------------------------------------------------------

def by(report: Report, server: str, latency: str, concurrency: int) -> Phase | None:
    for p in report.phases:
        if (p.server, p.latency, p.concurrency) == (server, latency, concurrency):
            return p
    return None


def print_page_loads(report: Report) -> None:
    if not report.page_loads:
        return
    first = next(iter(report.page_loads.values()))
    count = first.get("cold", {}).get("loads", 0)
    print(f"\npage load in Chromium: a signed-in user, zero latency, median of {count} loads "
          f"each, the sites in turns")
    print(f"  {'site':9} {'load':4} {'plan on screen':>14} {'transferred':>12} {'requests':>8} "
          f"{'websocket':>9} {'last text':>9}")
    for name, kinds in report.page_loads.items():
        for kind, m in kinds.items():
            print(f"  {name:9} {kind:4} {m['plan_ms']:11.0f} ms {m['bytes'] / 1024:8.1f} KiB "
                  f"{m['requests']:8} {m['ws_bytes'] / 1024:5.1f} KiB "
                  f"{m['content_after_plan_ms']:+6.0f} ms")
    print("  (cold: a fresh browser profile; warm: the same one, back from the portal by its\n"
          "  return link, a navigation from another site; again: opened again in the same tab.\n"
          "  Transferred: over HTTP, headers included; the websocket's frames apart. Last text:\n"
          "  the page's last text change, counted from the plan.)")
    app = report.page_loads.get("app", {})
    for other in ("baseline", "reference"):
        theirs = report.page_loads.get(other, {})
        for kind in page_load.KINDS:
            if kind in app and kind in theirs:
                print(f"  app / {other} {kind}: "
                      f"{app[kind]['plan_ms'] / theirs[kind]['plan_ms']:.2f} x the time, "
                      f"{app[kind]['bytes'] / max(1, theirs[kind]['bytes']):.2f} x the bytes")
    for kind in ("cold", "warm"):
        if kind in app:
            print(f"\n  the app's {kind} load, each step's median (ms since the navigation "
                  f"started):")
            for step, at in app[kind]["timeline"].items():
                if at is not None:
                    print(f"    {at:7.0f}  {step}")


def print_report(report: Report, concurrencies: list[int]) -> list[str]:
    """Print every figure; return the goals that were not met."""
    floor = report.floor_ms
    print(f"\nfloor: {floor:.1f} ms, the three calls made directly, one request at a time "
          f"(injected: max(auth, REST) + Stripe = {report.injected_ms:.0f} ms)\n")
    header = (f"{'latency':8} {'users':>5} {'server':9} {'p50':>7} {'p95':>7} {'p99':>7} "
              f"{'p50/fl':>6} {'p99/fl':>6} {'req/s':>7} {'errors':>6} {'cpu ms/req':>10} "
              f"{'stand-ins':>9} {'client':>6}")
    print(header)
    print("-" * len(header))
    for p in report.phases:
        print(f"{p.latency:8} {p.concurrency:5} {p.server:9} {p.p50_ms:7.1f} {p.p95_ms:7.1f} "
              f"{p.p99_ms:7.1f} {p.p50_ms / floor:6.2f} {p.p99_ms / floor:6.2f} "
              f"{p.throughput_rps:7.1f} {p.errors:6} {p.cpu_ms_per_request:10.2f} "
              f"{p.stand_ins_cpu_ms_per_request:9.2f} {p.client_cpu_ms_per_request:6.2f}")
    print("(cpu ms/req: the server's own processes; stand-ins: Supabase and Stripe stand-ins and "
          "PostgreSQL; client: the load generator. All three share the machine's cores.)")
    for other in ("baseline", "reference"):
        ratios = [(latency, c, by(report, "app", latency, c), by(report, other, latency, c))
                  for latency in ("injected", "zero") for c in concurrencies]
        ratios = [(latency, c, a, r) for latency, c, a, r in ratios if a and r]
        if ratios:
            print(f"\napp / {other}")
        for latency, c, a, r in ratios:
            print(f"  {latency:8} {c:3} users: p50 {a.p50_ms / r.p50_ms:.2f}  "
                  f"p95 {a.p95_ms / r.p95_ms:.2f}  p99 {a.p99_ms / r.p99_ms:.2f}  "
                  f"throughput {a.throughput_rps / r.throughput_rps:.2f}  "
                  f"cpu/req {a.cpu_ms_per_request / r.cpu_ms_per_request:.2f}")
    print("\nRSS (MB)")
    for name, rss in report.rss.items():
        growth = (rss["after"] - rss["start"]) / rss["start"]
        print(f"  {name:9} {rss['start']:.1f} at start, {rss['after']:.1f} after "
              f"{rss['requests']} requests ({growth:+.1%})")
    clicks = report.click_to_redirect_ms
    if clicks:
        print(f"\nclick-to-redirect: median {statistics.median(clicks):.0f} ms of {len(clicks)} "
              f"(floor {floor:.0f} ms)")

    print_page_loads(report)

    missed = []
    checks = []
    low, high = min(concurrencies), max(concurrencies)
    app_low, app_high = by(report, "app", "injected", low), by(report, "app", "injected", high)
    if app_low:
        checks.append((f"p50 <= {GOALS['p50_over_floor_at_10']} x floor at {low} users",
                       app_low.p50_ms / floor <= GOALS["p50_over_floor_at_10"]))
        checks.append((f"p99 <= {GOALS['p99_over_floor_at_10']} x floor at {low} users",
                       app_low.p99_ms / floor <= GOALS["p99_over_floor_at_10"]))
        checks.append((f"0 errors at {low} users", app_low.errors == 0))
    if app_high:
        checks.append((f"p50 <= {GOALS['p50_over_floor_at_50']} x floor at {high} users",
                       app_high.p50_ms / floor <= GOALS["p50_over_floor_at_50"]))
        checks.append((f"0 errors at {high} users", app_high.errors == 0))
    for latency in ("injected", "zero"):
        for c in concurrencies:
            a, r = by(report, "app", latency, c), by(report, "reference", latency, c)
            if a and r:
                ratio = a.cpu_ms_per_request / r.cpu_ms_per_request
                text = (f"CPU per request <= {GOALS['cpu_ratio']} x reference, {latency} "
                        f"latency, {c} users ({ratio:.2f})")
                checks.append((text, ratio <= GOALS["cpu_ratio"]))
    za, zr = by(report, "app", "zero", high), by(report, "reference", "zero", high)
    if za and zr:
        ratio = za.throughput_rps / zr.throughput_rps
        goal = GOALS["zero_latency_throughput_ratio"]
        text = f"zero-latency throughput >= {goal} x reference ({ratio:.2f})"
        checks.append((text, ratio >= goal))
    if "app" in report.rss:
        rss = report.rss["app"]
        growth = (rss["after"] - rss["start"]) / rss["start"]
        text = f"RSS growth < {GOALS['rss_growth']:.0%} over {rss['requests']} requests ({growth:+.1%})"
        checks.append((text, growth < GOALS["rss_growth"]))
    if clicks:
        median = statistics.median(clicks)
        text = f"click-to-redirect <= floor + {GOALS['click_over_floor_ms']} ms ({median:.0f} ms)"
        checks.append((text, median <= floor + GOALS["click_over_floor_ms"]))
    app_pages = report.page_loads.get("app", {})
    if "cold" in app_pages and "warm" in app_pages:
        cold, warm = app_pages["cold"], app_pages["warm"]
        kib = cold["bytes"] / 1024
        before = max(cold["data_before_plan_ms"], warm["data_before_plan_ms"])
        checks += [
            (f"cold load to the plan <= {GOALS['cold_load_ms']} ms ({cold['plan_ms']:.0f} ms)",
             cold["plan_ms"] <= GOALS["cold_load_ms"]),
            (f"warm load <= {GOALS['warm_load_ms']} ms ({warm['plan_ms']:.0f} ms)",
             warm["plan_ms"] <= GOALS["warm_load_ms"]),
            (f"cold transfer <= {GOALS['cold_transfer_kib']} KiB ({kib:.0f} KiB)",
             kib <= GOALS["cold_transfer_kib"]),
            (f"the plan shows no later than any other content ({before:.0f} ms before it)",
             before <= 0),
        ]
    print("\ngoals")
    for text, met in checks:
        print(f"  [{'x' if met else ' '}] {text}")
        if not met:
            missed.append(text)
    return missed


def main() -> int:
    def env_ms(name: str, default: int) -> int:
        return int(os.environ.get(name) or default)

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--concurrency", default="10,50")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--auth-latency", type=int, default=env_ms("DEVSTACK_AUTH_LATENCY_MS", 30))
    parser.add_argument("--rest-latency", type=int, default=env_ms("DEVSTACK_REST_LATENCY_MS", 30))
    parser.add_argument("--stripe-latency", type=int,
                        default=env_ms("DEVSTACK_STRIPE_LATENCY_MS", 200))
    parser.add_argument("--rss-requests", type=int, default=10_000)
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--loads", type=int, default=15,
                        help="page loads of each kind (cold, warm) per site")
    parser.add_argument("--reference-transport", choices=["httpx", "aiohttp"], default="aiohttp",
                        help="the reference endpoint's sockets: httpx-aiohttp's, the ones the app "
                             "uses (the default: only the code differs), or httpx's own pool")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout of the app (e.g. a `git worktree` of main), run "
                             "and measured beside this one in the same run, in turns")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--smoke", action="store_true",
                        help="a few users, a few seconds: checks that the benchmark runs")
    args = parser.parse_args()
    if args.smoke:
        args.users, args.concurrency, args.seconds = 4, "2,4", 1.5
        args.rss_requests, args.clicks, args.loads = 200, 2, 2
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    if args.users < max(concurrencies):
        parser.error("--users must be at least the highest concurrency (distinct users)")

    work = Path(tempfile.mkdtemp(prefix="bench-"))
    # The users sign in from this one address: Auth's per-IP /token bucket is set out of the way.
    stack = StackConfig(state_dir=work / "stack", supabase_port=free_port(),
                        postgres_port=free_port(), stripe_port=free_port(),
                        token_refresh_rate_limit=1_000_000)
    processes: list = []
    try:
        print("starting the stand-ins and making users...", flush=True)
        up(stack)
        tokens, plan_text = make_users(stack, args.users)
        tokens_file = work / "tokens.json"
        tokens_file.write_text(json.dumps(tokens))

        print("starting the app (reflex run --env prod) and the reference endpoint...", flush=True)
        # The benchmark sends each user's token many times a second; the app's per-user portal
        # limit (PORTAL_RATE_LIMIT, 10/minute by default) would answer 429 without calling Stripe
        # and measure something else, so it is raised out of the way.
        servers = []
        for name, project in (("app", PROJECT_ROOT), ("baseline", args.baseline)):
            if project is not None:
                started = start_app(stack, work / f"{name}.log", cwd=project,
                                    extra_env={"PORTAL_RATE_LIMIT": BENCH_RATE_LIMIT})
                processes.append(started)
                servers.append(Server(name, started.url, started.process.pid))
        ref_proc, ref_url = start_reference(stack, work / "reference.log",
                                            args.reference_transport)
        processes.append(ref_proc)
        servers.append(Server("reference", ref_url, ref_proc.pid))
        for server in servers:  # warm up: connections, caches, lazy imports
            drive(server, tokens_file, min(concurrencies), 1.0, requests=50)
            server.rss_start_mb = server.rss_mb()

        set_latency(stack, args.auth_latency, args.rest_latency, args.stripe_latency)
        report = Report(
            machine={"cpus": os.cpu_count(), "python": sys.version.split()[0],
                     "date": time.strftime("%Y-%m-%d %H:%M %Z")},
            settings={k: str(v) if isinstance(v, Path) else v
                      for k, v in vars(args).items() if k != "json"},
            floor_ms=round(asyncio.run(
                measured_floor(stack, tokens[0], 10 if args.smoke else 30)), 1),
            injected_ms=max(args.auth_latency, args.rest_latency) + args.stripe_latency,
        )
        print(f"injected latency: auth {args.auth_latency} ms, REST {args.rest_latency} ms, "
              f"Stripe {args.stripe_latency} ms", flush=True)
        run_phases(report, servers, tokens_file, "injected", concurrencies, args.seconds, stack)

        set_latency(stack, 0, 0, 0)
        print("zero latency", flush=True)
        run_phases(report, servers, tokens_file, "zero", concurrencies, args.seconds, stack)
        print("page loads in Chromium (zero latency)...", flush=True)
        report.page_loads, _ = page_loads(servers, stack, "bench-0@example.com", plan_text,
                                          args.loads)
        for server in servers:
            remaining = args.rss_requests - server.served
            if remaining > 0:
                drive(server, tokens_file, max(concurrencies), 600, requests=remaining)
            report.rss[server.name] = {"start": round(server.rss_start_mb, 1),
                                       "after": round(server.rss_mb(), 1),
                                       "requests": server.served}

        set_latency(stack, args.auth_latency, args.rest_latency, args.stripe_latency)
        print("click-to-redirect in Chromium...", flush=True)
        report.click_to_redirect_ms = [round(t, 1) for t in click_to_redirect(
            servers[0], stack, "bench-0@example.com", args.clicks)]

        missed = print_report(report, concurrencies)
        if args.json:
            args.json.write_text(json.dumps(asdict(report), indent=2))
        if args.smoke:
            return 0  # the smoke run checks that everything runs and reports, not timings
        return 1 if missed else 0
    finally:
        for proc in processes:
            if isinstance(proc, AppProcess):
                proc.stop()
            else:
                proc.terminate()
                proc.wait(10)
        destroy(stack)


if __name__ == "__main__":
    sys.exit(main())
