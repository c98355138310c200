"""Page weight on a slow phone connection: the home page, an article and a team page.

Builds a throwaway demo site (migrate, seed_demo, collectstatic in a temporary directory) and
serves it with gunicorn on 127.0.0.1, as bench/public_pages.py does. Each page is then opened
in Debian's Chromium (Playwright, /usr/bin/chromium) on a phone-sized screen with an empty
cache and the network throttled to a slow phone connection (CDP
Network.emulateNetworkConditions: 400 kbit/s each way and 400 ms latency by default).

For each page it prints: the HTML as sent and gzipped (what a compressing proxy in front of
the site would send), the bytes transferred for CSS, JS, images, fonts and anything else, the
total and the number of requests, up to the network falling quiet after the load event (images
below the fold that load lazily are not fetched, as on a phone); and the time from navigation
start to the load event and to the last response (lazy images in view included), the median of
--repeat loads. Each page's total and load time are also given relative to a baseline measured
in the same run: the sign-in page, the smallest public page. The team page is the first
published publicity.TeamPage of the demo data; if the demo has none, the bench says so and
measures the other pages.

The exit code is non-zero only on errors (setup failed, a page did not load).

    .venv/bin/python bench/page_weight.py [--down-kbps 400] [--latency-ms 400] [--repeat 3]

Environment: BENCH_DATABASE_URL (PostgreSQL scratch database instead of SQLite); see
bench/_harness.py.
"""

import argparse
import gzip
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    REPO_ROOT,
    BenchError,
    Server,
    Workspace,
    format_table,
    machine_note,
    python_executable,
    run,
    write_json,
)

CHROMIUM = Path("/usr/bin/chromium")
# As tests/e2e/conftest.py launches it; never `playwright install`.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
LOAD_TIMEOUT_MS = 180_000
QUIET_TIMEOUT_MS = 60_000

BASELINE = ("baseline: sign-in page", "/accounts/login/")
HOME = ("home page", "/")
ARTICLE = ("article", "/articles/flood-safety/")
TEAM_PAGE_NAME = "team page"

# CDP resource types, grouped as the report's columns.
KINDS = {
    "Stylesheet": "css",
    "Script": "js",
    "Image": "images",
    "Font": "fonts",
    "Document": "html",
}
COLUMNS = ("html", "css", "js", "images", "fonts", "other")

FIND_TEAM_PAGE = """
from wagtail.models import Locale
from publicity.models import TeamPage
page = (
    TeamPage.objects.live().public().filter(locale=Locale.get_default()).order_by("path").first()
)
print("TEAM_PAGE", page.url if page is not None else "-")
"""


@dataclass
class Load:
    """One load of one page in the browser."""

    transferred: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))
    requests: int = 0
    failed: list[str] = field(default_factory=list)
    load_ms: float = 0.0
    complete_ms: float = 0.0  # the last response (lazy images included) after navigation start

    @property
    def total(self) -> int:
        return sum(self.transferred.values())


@dataclass
class Measurement:
    name: str
    path: str
    html_raw: int
    html_gzip: int
    loads: list[Load]

    @property
    def first(self) -> Load:
        return self.loads[0]

    @property
    def load_ms(self) -> float:
        return statistics.median(load.load_ms for load in self.loads)

    @property
    def complete_ms(self) -> float:
        return statistics.median(load.complete_ms for load in self.loads)

    def as_dict(self) -> dict:
        return {
            "page": self.name,
            "path": self.path,
            "html_bytes": self.html_raw,
            "html_gzip_bytes": self.html_gzip,
            "transferred_bytes": self.first.transferred,
            "total_bytes": self.first.total,
            "requests": self.first.requests,
            "load_ms": [round(load.load_ms) for load in self.loads],
            "load_ms_median": round(self.load_ms),
            "complete_ms_median": round(self.complete_ms),
        }


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--down-kbps", type=float, default=400, help="download, kbit/s")
    parser.add_argument("--up-kbps", type=float, default=400, help="upload, kbit/s")
    parser.add_argument("--latency-ms", type=float, default=400, help="added round-trip latency")
    parser.add_argument("--repeat", type=int, default=3, help="loads of each page (median time)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument(
        "--keep-temp", action="store_true", help="keep the temporary site (for debugging)"
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def find_team_page(site: Workspace) -> str | None:
    """The path of the demo's first published team page, asked of the site's own database."""
    command = [python_executable(), str(REPO_ROOT / "manage.py"), "shell", "--no-imports"]
    proc = subprocess.run(
        [*command, "-c", FIND_TEAM_PAGE],
        cwd=REPO_ROOT,
        env=site.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise BenchError(f"could not look for a team page:\n{proc.stderr[-2000:]}")
    for line in proc.stdout.splitlines():
        if line.startswith("TEAM_PAGE "):
            path = line.split(" ", 1)[1].strip()
            return None if path == "-" else path
    raise BenchError(f"could not look for a team page:\n{proc.stdout[-2000:]}")


def load_page(browser, base_url: str, path: str, args) -> Load:
    """Open `path` in a fresh phone-sized context, throttled, with the cache disabled."""
    context = browser.new_context(base_url=base_url, locale="zh-CN", **PHONE)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        kinds: dict[str, str] = {}
        load = Load()

        def on_response(event):
            kinds[event["requestId"]] = KINDS.get(event.get("type", ""), "other")

        def on_finished(event):
            kind = kinds.get(event["requestId"], "other")
            load.transferred[kind] += int(event.get("encodedDataLength", 0))
            load.requests += 1

        def on_failed(event):
            load.requests += 1
            load.failed.append(event.get("errorText", "failed"))

        cdp.on("Network.responseReceived", on_response)
        cdp.on("Network.loadingFinished", on_finished)
        cdp.on("Network.loadingFailed", on_failed)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": args.latency_ms,
                "downloadThroughput": args.down_kbps * 1000 / 8,
                "uploadThroughput": args.up_kbps * 1000 / 8,
            },
        )
        response = page.goto(path, wait_until="load", timeout=LOAD_TIMEOUT_MS)
        if response is None or response.status != 200:
            status = response.status if response is not None else "no response"
            raise BenchError(f"{path} answered {status} in the browser")
        try:
            page.wait_for_load_state("networkidle", timeout=QUIET_TIMEOUT_MS)
        except Exception as exc:  # Playwright's TimeoutError: report what arrived by then
            print(f"  note: {path}: network not quiet after the load event ({exc})")
        load.load_ms, load.complete_ms = page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " const ends = performance.getEntriesByType('resource').map(r => r.responseEnd);"
            " return [n.loadEventEnd - n.startTime, Math.max(n.loadEventEnd, ...ends)]; }"
        )
        return load
    finally:
        context.close()


def measure(server: Server, browser, name: str, path: str, args) -> Measurement:
    # Warm up (renditions are made on first render, then the page cache serves it) and take the
    # HTML as the server sends it.
    status, _headers, body = server.get(path, timeout=60)
    if status != 200:
        raise BenchError(f"{name} {path} answered HTTP {status}")
    base_url = f"http://{server.host}:{server.port}"
    loads = [load_page(browser, base_url, path, args) for _ in range(args.repeat)]
    for load in loads:
        if load.failed:
            raise BenchError(f"{name} {path}: requests failed in the browser: {load.failed}")
    return Measurement(name, path, len(body), len(gzip.compress(body, 6)), loads)


def kb(value: float) -> str:
    return f"{value / 1024:.1f}"


def report(results: list[Measurement]) -> str:
    baseline = results[0]
    rows = []
    for r in results:
        t = r.first.transferred
        rows.append(
            [
                r.name,
                r.path,
                str(r.first.requests),
                kb(r.html_raw),
                kb(r.html_gzip),
                kb(t["css"]),
                kb(t["js"]),
                kb(t["images"]),
                kb(t["fonts"]),
                kb(t["other"]),
                kb(r.first.total),
                f"{r.load_ms / 1000:.2f}",
                f"{r.complete_ms / 1000:.2f}",
                f"{r.first.total / baseline.first.total:.2f}×",
                f"{r.load_ms / baseline.load_ms:.2f}×",
            ]
        )
    headers = [
        "page",
        "path",
        "requests",
        "HTML KB",
        "HTML gzip KB",
        "CSS KB",
        "JS KB",
        "images KB",
        "fonts KB",
        "other KB",
        "total KB",
        "load s",
        "complete s",
        "× bytes",
        "× load",
    ]
    return format_table(headers, rows, left=2)


def main() -> int:
    args = arguments()
    if not CHROMIUM.exists():
        raise BenchError(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)"
        )
    began = time.perf_counter()
    machine = machine_note()
    with Workspace("page_weight", keep=args.keep_temp) as site:
        print(f"machine: {machine}", flush=True)
        print(f"site: {site.describe()}", flush=True)
        steps = site.prepare_demo_site()
        print("setup: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()), flush=True)
        targets = [BASELINE, HOME, ARTICLE]
        team_path = find_team_page(site)
        if team_path is None:
            print(
                "team page: the demo data has no published publicity.TeamPage yet (the team"
                " pages' seed adds them); measuring the other pages only",
                flush=True,
            )
        else:
            targets.append((TEAM_PAGE_NAME, team_path))
        with Server(site, workers=args.workers) as server:
            print(f"server: {server.describe()}", flush=True)
            print(
                f"network: {args.down_kbps:g} kbit/s down, {args.up_kbps:g} kbit/s up,"
                f" {args.latency_ms:g} ms latency (Chromium, CDP Network.emulateNetworkConditions),"
                f" cache disabled, 360×740 phone screen; {args.repeat} load(s) of each page",
                flush=True,
            )
            playwright = sync_playwright().start()
            try:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                try:
                    results = [measure(server, browser, *target, args) for target in targets]
                finally:
                    browser.close()
            finally:
                playwright.stop()
            server.check()

    print()
    print(report(results))
    print(
        "\nHTML KB: as sent (the site does not compress; HTML gzip KB is what a compressing"
        " proxy would send).\nTransferred figures include response headers. load s: navigation"
        " start to the load event; complete s: to the last response (lazy images in view"
        f" included).\n× bytes and × load are relative to the baseline ({BASELINE[1]})."
    )
    print(f"total {time.perf_counter() - began:.0f} s")
    if args.json:
        write_json(
            args.json,
            {
                "benchmark": "page_weight",
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "machine": machine,
                "network": {
                    "down_kbps": args.down_kbps,
                    "up_kbps": args.up_kbps,
                    "latency_ms": args.latency_ms,
                },
                "results": [r.as_dict() for r in results],
            },
        )
    return 0


if __name__ == "__main__":
    run(main)
