"""The billing page's load in Chromium: a signed-in user, from navigation until the plan shows.

One sample is a cold load (a fresh browser context: empty cache, no storage, the session cookies
only), the page opened again in the same tab ("again"), and a warm load (the same context:
Manage Subscription, then the portal's return link, as a user comes back from Stripe, from
another site). For each load:
- `plan_ms`: from the navigation's start until the "Manage Subscription" button is on screen
  (the frame that paints it; its last appearance, as a tab's earlier state may show first);
- `content_ms`: until the page's last text change; `data_before_plan_ms`: how long text that a
  state update brought was on screen before the plan (0: the plan came first);
- `bytes`: everything the page transferred over HTTP, headers included, as Chromium's network
  log counts it (`encodedDataLength`); `ws_bytes`: the websocket's frames (sent and received);
- a timeline: redirect, HTML, scripts, websocket open, engine.io's answer, the hydrate event
  sent, the state in, the plan on screen (ms since the navigation's start).

Timings come from the page's own clock (performance.now(), Navigation and Resource Timing, and
a wrapper around WebSocket that notes when frames pass); byte counts from Chromium's DevTools
protocol. `measure()` alternates between several sites (variants of the app, or the app and a
reference page) sample by sample, so the machine's drift hits each alike.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

PLAN_BUTTON = "Manage Subscription"
PLAN_SHOWN = "bench: plan on screen"
KINDS = ("cold", "warm", "again")
# After the plan first shows, how long to wait for a later appearance and late requests.
SETTLE_S = 0.5

# Runs in every document before the page's own scripts.
INIT_SCRIPT = r"""
(() => {
  const marks = {frames: []};
  window.__bench = marks;
  const now = () => performance.now();
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      marks.ws_created ??= now();
      this.addEventListener('open', () => { marks.ws_open ??= now(); });
      this.addEventListener('message', (e) => {
        const data = typeof e.data === 'string' ? e.data : '';
        if (data.startsWith('42')) marks.first_state ??= now();
        marks.frames.push(['in', now(), data.length, data.slice(0, 2),
                           data.includes(%(plan_text)s)]);
      });
    }
    send(data) {
      const text = typeof data === 'string' ? data : '';
      marks.frames.push(['out', now(), text.length, text.slice(0, 2), false]);
      return super.send(data);
    }
  };
  // In the document is on screen at the next frame (the page never hides it): asking the layout
  // here would force one in the middle of the page's own rendering.
  // The button may show more than once: a tab's state from an earlier visit arrives first,
  // then the page clears it until this visit's state is in. The last appearance counts.
  let showing = false;
  const check = (t) => {
    let found = false;
    for (const b of document.querySelectorAll('button')) {
      if (b.textContent.trim() === %(button)s) { found = true; break; }
    }
    if (found && !showing) {
      marks.appearances = (marks.appearances || 0) + 1;
      marks.plan_first_dom ??= t;
      requestAnimationFrame(() => {
        marks.plan_painted = now();
        console.debug(%(shown)s);
      });
    }
    showing = found;
  };
  const observer = new MutationObserver((records) => {
    const t = now();
    for (const r of records) {
      const nodes = r.type === 'characterData' ? [r.target] : r.addedNodes;
      for (const n of nodes) {
        const el = n.nodeType === 1 ? n : n.parentElement;
        if (!el || el.closest('head, style, script, noscript')) continue;
        if ((n.textContent || '').trim()) {
          marks.last_text = t;
          // The first text shown once state arrived (the page's frame came with the HTML).
          if (marks.first_state !== undefined) marks.first_data_text ??= t;
          break;
        }
      }
    }
    check(t);
  });
  observer.observe(document, {childList: true, subtree: true, characterData: true});
})();
"""

# Read once the plan is on screen and the page is quiet.
COLLECT = r"""
() => {
  const m = window.__bench;
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const ends = (types) => res.filter(r => types.includes(r.initiatorType))
                             .map(r => r.responseEnd);
  const assets = ends(['script', 'link', 'css', 'other']);
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {
    marks: {...m, frames: m.frames},
    redirect_end: nav.redirectEnd || null,
    html_start: nav.responseStart,
    html_end: nav.responseEnd,
    dom_content_loaded: nav.domContentLoadedEventEnd,
    load_event: nav.loadEventEnd || null,
    assets_end: assets.length ? Math.max(...assets) : null,
    first_contentful_paint: fcp ? fcp.startTime : null,
    resources: res.length,
    html_status: nav.responseStatus || null,
  };
}
"""


@dataclass
class Load:
    site: str
    kind: str  # one of KINDS
    plan_ms: float
    content_ms: float
    data_before_plan_ms: float  # how long other state-driven text was on screen before the plan
    bytes: int
    ws_bytes: int
    requests: int
    timeline: dict[str, float | None] = field(default_factory=dict)


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def timeline(collected: dict) -> dict[str, float | None]:
    """The load's steps, in ms since the navigation started."""
    marks = collected["marks"]
    frames = marks["frames"]

    def first(direction: str, prefix: str) -> float | None:
        return next((at for d, at, _size, head, _plan in frames
                     if d == direction and head.startswith(prefix)), None)

    painted = marks.get("plan_painted") or 0
    plan_frames = [at for d, at, _size, _head, has_plan in frames
                   if d == "in" and has_plan and at <= painted]

    return {
        "redirect done": _ms(collected["redirect_end"]),
        "HTML in": _ms(collected["html_end"]),
        "first paint (the page's frame)": _ms(collected["first_contentful_paint"]),
        "scripts and styles in": _ms(collected["assets_end"]),
        "DOMContentLoaded": _ms(collected["dom_content_loaded"]),
        "websocket created": _ms(marks.get("ws_created")),
        "websocket open": _ms(marks.get("ws_open")),
        "engine.io answers": _ms(first("in", "0")),
        "hydrate event sent": _ms(first("out", "4")),
        "first state in": _ms(first("in", "42")),
        "the plan's state in": _ms(plan_frames[-1] if plan_frames else None),
        "plan on screen": _ms(marks.get("plan_painted")),
    }


class _Network:
    """Bytes over HTTP and the websocket, from Chromium's network log (DevTools protocol)."""

    def __init__(self, page) -> None:
        self.session = page.context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.reset()
        self.session.on("Network.loadingFinished", self._finished)
        self.session.on("Network.loadingFailed", self._failed)
        self.session.on("Network.webSocketFrameSent", self._frame)
        self.session.on("Network.webSocketFrameReceived", self._frame)
        self.session.on("Network.responseReceived", self._response)

    def reset(self) -> None:
        self.bytes = 0
        self.ws_bytes = 0
        self.requests = 0
        self.redirect_bytes = 0

    def _finished(self, event: dict) -> None:
        self.bytes += int(event.get("encodedDataLength") or 0)
        self.requests += 1

    def _failed(self, _event: dict) -> None:
        self.requests += 1

    def _response(self, _event: dict) -> None:
        pass

    def _frame(self, event: dict) -> None:
        self.ws_bytes += len(event.get("response", {}).get("payloadData", ""))


def _one_load(page, network: _Network, site: str, kind: str, navigate: Callable[[], None],
              timeout_ms: int) -> Load:
    network.reset()
    # The page says when the plan is on screen (a console message): polling it from here would
    # put Playwright's own scripts on the page's main thread while it loads.
    with page.expect_console_message(lambda m: m.text == PLAN_SHOWN, timeout=timeout_ms):
        navigate()
    page.wait_for_load_state("load", timeout=timeout_ms)
    time.sleep(SETTLE_S)  # a later appearance of the plan; what the page fetches after it
    collected = page.evaluate(COLLECT)
    marks = collected["marks"]
    plan = marks["plan_painted"]
    first_data = marks.get("first_data_text")
    before_plan = max(0.0, marks["plan_first_dom"] - first_data) if first_data else 0.0
    return Load(site=site, kind=kind, plan_ms=round(plan, 1),
                content_ms=round(max(marks.get("last_text") or 0, plan), 1),
                data_before_plan_ms=round(before_plan, 1),
                bytes=network.bytes, ws_bytes=network.ws_bytes, requests=network.requests,
                timeline=timeline(collected))


def sample(browser, site: Site, timeout_ms: int = 30_000) -> list[Load]:
    """In a fresh browser context: the cold load; the page opened again in the same tab
    ("again": same site, the browser's process and caches at their warmest); then Manage
    Subscription, the portal, and its return link ("warm": a user back from Stripe, a
    navigation from another site)."""
    context = browser.new_context(base_url=site.base_url)
    try:
        context.add_cookies([{**c, "url": site.base_url} for c in site.cookies])
        context.add_init_script(init_script(site.plan_text))
        page = context.new_page()
        network = _Network(page)

        def open_page() -> None:
            page.goto(site.base_url + site.path, wait_until="commit", timeout=timeout_ms)

        cold = _one_load(page, network, site.name, "cold", open_page, timeout_ms)
        again = _one_load(page, network, site.name, "again", open_page, timeout_ms)
        page.get_by_role("button", name=PLAN_BUTTON).click()
        page.wait_for_url(site.portal_prefix + "**", timeout=timeout_ms)
        back = page.get_by_role("link", name=re.compile("^Return to"))
        warm = _one_load(page, network, site.name, "warm", back.click, timeout_ms)
        return [cold, warm, again]
    finally:
        context.close()


def init_script(plan_text: str) -> str:
    return INIT_SCRIPT % {"plan_text": json.dumps(plan_text), "button": json.dumps(PLAN_BUTTON),
                          "shown": json.dumps(PLAN_SHOWN)}


@dataclass
class Site:
    """Where to load the page: its address, a signed-in user's cookies, the plan's name, and
    where its Manage Subscription button leads (the Stripe stand-in's portal pages)."""

    name: str
    base_url: str
    path: str
    cookies: list[dict]
    plan_text: str
    portal_prefix: str


def measure(browser, sites: list[Site], samples: int, warmup: int = 1,
            progress=None) -> list[Load]:
    """`samples` samples (cold, warm, again) per site, the sites taking turns (and the order of
    each turn rotating), after `warmup` unrecorded ones each."""
    loads: list[Load] = []
    for n in range(warmup + samples):
        turn = sites[n % len(sites):] + sites[:n % len(sites)]
        for site in turn:
            taken = sample(browser, site)
            if n >= warmup:
                loads += taken
                if progress:
                    progress(*taken)
    return loads


def medians(loads: list[Load], site: str) -> dict:
    """Median figures of one site's loads, and its median timeline (each step's median)."""
    out: dict = {}
    for kind in KINDS:
        mine = [ld for ld in loads if ld.site == site and ld.kind == kind]
        if not mine:
            continue
        steps: dict[str, float | None] = {}
        for step in mine[0].timeline:
            values = [ld.timeline[step] for ld in mine if ld.timeline.get(step) is not None]
            steps[step] = round(statistics.median(values), 1) if values else None
        out[kind] = {
            "loads": len(mine),
            "plan_ms": round(statistics.median(ld.plan_ms for ld in mine), 1),
            "content_ms": round(statistics.median(ld.content_ms for ld in mine), 1),
            "content_after_plan_ms": round(statistics.median(ld.content_ms - ld.plan_ms
                                                            for ld in mine), 1),
            "data_before_plan_ms": round(statistics.median(ld.data_before_plan_ms
                                                          for ld in mine), 1),
            "bytes": int(statistics.median(ld.bytes for ld in mine)),
            "ws_bytes": int(statistics.median(ld.ws_bytes for ld in mine)),
            "requests": int(statistics.median(ld.requests for ld in mine)),
            "timeline": steps,
        }
    return out
