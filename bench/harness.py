"""Web-bench harness: serve an app under gunicorn, load it, compare it with the bare stack.

Every web bench measures a project page beside a bare-stack page (``bench/bare_app.py``) on the
same database, in the same run, alternately (A, B, A, B, ...), and reports the median ratio
project req/s ÷ bare req/s. The small API:

    from bench import harness

    project = harness.project_spec(url, REDIS_URL=...)   # gunicorn -w 2 -k sync wsgi:app
    bare = harness.bare_spec(url)                       # gunicorn -w 2 -k sync bench.bare_app:app
    with harness.serve(project) as site, harness.serve(bare) as base:
        cookie = harness.login_cookie(site, "u1@bench.example.com", "bench-pass-123")
        result = harness.measure_pair(
            site, base, ["/p/1"], ["/one/1"], seconds=10, rounds=2,
            cookie=cookie, name="product, signed in", goal=0.35,
        )
    harness.report("shop", [result], as_json=args.json)

- ``AppSpec(wsgi, env)``: what to serve (a ``module:attribute`` and the environment).
- ``serve(spec) -> Server`` (a context manager): gunicorn ``-w 2 -k sync`` on a free port,
  returned once ``spec.ready_path`` answers; ``Server.port``, ``Server.stop()``.
- ``load(server, paths, seconds, cookie=None) -> Load``: ``wrk -t2 -c8`` over the paths in turn
  (a small keep-alive client in 8 threads when ``wrk`` is missing: a lower bound, since it shares
  the cores with the server). ``Load`` has ``rps``, ``p50_ms``, ``p99_ms``, ``errors`` (non-2xx/3xx
  answers and socket errors).
- ``measure_pair(project, bare, paths, bare_paths, seconds, rounds=2, cookie=None, name, goal)
  -> Result``: ``project`` and ``bare`` are running ``Server`` objects or ``AppSpec`` (started
  and stopped inside). The cookie goes to the project only. ``Result`` holds the medians and the
  ratio; ``Result.ok`` says whether the ratio reaches the goal.
- ``check(server, path, cookie=None, expect=200)``: one GET; raises unless the status matches.
- ``login_cookie(server, email, password) -> str``: signs in through ``/login`` and returns the
  ``session=...`` cookie for signed-in runs.
- ``report(bench, results, as_json)``: prints the human table; with ``as_json`` the table goes to
  stderr and stdout carries exactly one JSON object ``{"bench": ..., "results": [{"name", "rps",
  "p50_ms", "p99_ms", "bare_rps", "ratio", "goal", "errors", ...}]}``.
- ``add_common_arguments(parser)``: ``--seconds``, ``--rounds``, ``--json`` for every bench.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
WRK_THREADS = 2
CONNECTIONS = 8
WORKERS = 2


@dataclass(frozen=True)
class AppSpec:
    """A WSGI app to serve: ``wsgi`` is ``module:attribute``, importable from ``cwd``."""

    wsgi: str
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str = "/healthz"
    cwd: Path = ROOT
    workers: int = WORKERS


@dataclass
class Server:
    spec: AppSpec
    port: int
    process: subprocess.Popen

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    tool: str


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    bare_rps: float
    ratio: float
    goal: float | None = None
    errors: int = 0
    bare_p50_ms: float = 0.0
    paths: list[str] = field(default_factory=list)
    bare_paths: list[str] = field(default_factory=list)
    rounds: list[dict[str, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.goal is None or self.ratio >= self.goal


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def project_spec(database_url: str, **env: str) -> AppSpec:
    """The project (``wsgi:app``) on ``database_url``; ``REDIS_URL`` only when passed in ``env``."""
    base = {
        "DATABASE_URL": database_url,
        "APP_ENV": "development",
        "LOG_LEVEL": "WARNING",
        "LOGIN_LIMIT_PER_ACCOUNT": "10000 per minute",
        "LOGIN_LIMIT_PER_IP": "10000 per minute",
        "REDIS_URL": "",
    }
    return AppSpec("wsgi:app", {**base, **env})


def bare_spec(database_url: str) -> AppSpec:
    return AppSpec("bench.bare_app:app", {"DATABASE_URL": database_url})


def start(spec: AppSpec, timeout: float = 60.0) -> Server:
    """Start gunicorn for ``spec`` on a free port and wait until ``ready_path`` answers 200."""
    port = free_port()
    env = {**os.environ, **spec.env}
    for name in [k for k, v in spec.env.items() if v == ""]:
        env.pop(name, None)  # an empty value in a spec means "unset"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(spec.cwd), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(spec.workers),
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            spec.wsgi,
        ],
        cwd=spec.cwd,
        env=env,
    )
    server = Server(spec, port, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn for {spec.wsgi} exited with {process.returncode}")
        try:
            if _get(server, spec.ready_path)[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn for {spec.wsgi} did not answer {spec.ready_path}")


@contextmanager
def serve(spec: AppSpec) -> Iterator[Server]:
    server = start(spec)
    try:
        yield server
    finally:
        server.stop()


def _get(
    server: Server, path: str, cookie: str | None = None
) -> tuple[int, http.client.HTTPResponse, str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, response, body
    finally:
        conn.close()


def check(server: Server, path: str, cookie: str | None = None, expect: int = 200) -> str:
    """One GET of ``path``; return the body, or raise when the status is not ``expect``."""
    status, _, body = _get(server, path, cookie)
    if status != expect:
        raise RuntimeError(f"GET {path} answered {status}, expected {expect}")
    return body


def _session_cookie(response: http.client.HTTPResponse) -> str:
    cookies = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or []]
    return next((c for c in cookies if c.startswith("session=")), "")


def login_cookie(server: Server, email: str, password: str) -> str:
    """Sign in through the project's ``/login`` form; return the ``session=...`` cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = _session_cookie(response)
    found = re.search(r'name="csrf-token" content="([^"]+)"', page) or re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', page
    )
    if found is None:
        raise RuntimeError("no CSRF token on /login")
    body = urlencode({"csrf_token": found.group(1), "email": email, "password": password})
    conn.request(
        "POST",
        "/login",
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    signed_in = _session_cookie(response)
    if response.status != 302 or not signed_in:
        conn.close()
        raise RuntimeError(f"sign-in as {email} failed ({response.status})")
    # Follow the redirect as a browser would: the page shows the "Signed in" flash once and
    # hands back a cookie without it (a load replaying the first cookie would see it forever).
    landing_path = urlsplit(response.headers.get("Location") or "/")
    path = (landing_path.path or "/") + (f"?{landing_path.query}" if landing_path.query else "")
    conn.request("GET", path, headers={"Cookie": signed_in})
    landing = conn.getresponse()
    landing.read()
    conn.close()
    return _session_cookie(landing) or signed_in


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _load_with_wrk(
    server: Server, paths: Sequence[str], seconds: float, cookie: str | None
) -> Load:
    script = (
        "paths = {" + ", ".join(_lua_string(p) for p in paths) + "}\n"
        "counter = 0\n"
        "request = function()\n"
        "  counter = counter % #paths + 1\n"
        "  return wrk.format(nil, paths[counter])\n"
        "end\n"
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("RESULT %f %f %f %d\\n",'
        " summary.requests / (summary.duration / 1e6),"
        " latency:percentile(50) / 1000, latency:percentile(99) / 1000,"
        " summary.errors.status + summary.errors.connect + summary.errors.read"
        " + summary.errors.write + summary.errors.timeout))\n"
        "end\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        headers = ["-H", f"Cookie: {cookie}"] if cookie else []
        out = subprocess.run(
            [
                "wrk",
                f"-t{WRK_THREADS}",
                f"-c{CONNECTIONS}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                handle.name,
                *headers,
                server.base_url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    found = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+)", out)
    if found is None:
        raise RuntimeError(f"wrk printed no result: {out[-500:]}")
    rps, p50, p99, errors = found.groups()
    return Load(float(rps), float(p50), float(p99), int(errors), f"wrk -t{WRK_THREADS} -c8")


def _load_with_threads(
    server: Server, paths: Sequence[str], seconds: float, cookie: str | None
) -> Load:
    latencies: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + seconds
    lock = threading.Lock()
    headers = {"Cookie": cookie} if cookie else {}

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        mine: list[float] = []
        failed = 0
        i = offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", paths[i % len(paths)], headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    failed += 1
            except OSError:
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
            i += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONNECTIONS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    if not latencies:
        return Load(0.0, 0.0, 0.0, errors[0], "threads")
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Load(len(latencies) / elapsed, statistics.median(latencies), p99, errors[0], "8 threads")


def load_tool() -> str:
    return f"wrk -t{WRK_THREADS} -c{CONNECTIONS}" if shutil.which("wrk") else "8 Python threads"


def load(server: Server, paths: Sequence[str], seconds: float, cookie: str | None = None) -> Load:
    """Load ``paths`` (taken in turn) on ``server`` for ``seconds``; req/s and latencies."""
    if shutil.which("wrk"):
        return _load_with_wrk(server, paths, seconds, cookie)
    return _load_with_threads(server, paths, seconds, cookie)


@contextmanager
def _running(app: Server | AppSpec) -> Iterator[Server]:
    if isinstance(app, Server):
        yield app
    else:
        with serve(app) as server:
            yield server


def measure_pair(
    project: Server | AppSpec,
    bare: Server | AppSpec,
    paths: Sequence[str],
    bare_paths: Sequence[str],
    seconds: float,
    rounds: int = 2,
    cookie: str | None = None,
    name: str = "page",
    goal: float | None = None,
) -> Result:
    """Load the project's ``paths`` and the bare ``bare_paths`` alternately, ``rounds`` times each.

    Each path is fetched once first (a warm-up that also checks it answers 200). The result
    holds the medians of the rounds: project req/s, p50, p99, bare req/s and project ÷ bare.
    """
    with _running(project) as site, _running(bare) as base:
        for path in paths:
            check(site, path, cookie)
        for path in bare_paths:
            check(base, path)
        per_round: list[dict[str, float]] = []
        errors = 0
        for _ in range(max(1, rounds)):
            mine = load(site, paths, seconds, cookie)
            theirs = load(base, bare_paths, seconds)
            errors += mine.errors
            per_round.append(
                {
                    "rps": mine.rps,
                    "p50_ms": mine.p50_ms,
                    "p99_ms": mine.p99_ms,
                    "bare_rps": theirs.rps,
                    "bare_p50_ms": theirs.p50_ms,
                    "ratio": mine.rps / theirs.rps if theirs.rps else 0.0,
                }
            )

    def median(key: str) -> float:
        return float(statistics.median(r[key] for r in per_round))

    return Result(
        name=name,
        rps=median("rps"),
        p50_ms=median("p50_ms"),
        p99_ms=median("p99_ms"),
        bare_rps=median("bare_rps"),
        ratio=median("ratio"),
        goal=goal,
        errors=errors,
        bare_p50_ms=median("bare_p50_ms"),
        paths=list(paths),
        bare_paths=list(bare_paths),
        rounds=per_round,
    )


def add_common_arguments(parser: argparse.ArgumentParser, seconds: float = 10) -> None:
    parser.add_argument("--seconds", type=float, default=seconds, help="load per page per round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per page")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")


def format_table(results: Sequence[Result]) -> str:
    lines = [
        f"{'page':<28} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'bare/s':>7} "
        f"{'ratio':>6} {'goal':>5} {'errors':>6}"
    ]
    for r in results:
        goal = f"{r.goal:.0%}" if r.goal is not None else "-"
        mark = "" if r.ok else "  below goal"
        lines.append(
            f"{r.name:<28} {r.rps:>7.0f} {r.p50_ms:>7.1f} {r.p99_ms:>7.1f} {r.bare_rps:>7.0f} "
            f"{r.ratio:>6.0%} {goal:>5} {r.errors:>6}{mark}"
        )
    return "\n".join(lines)


def info(message: str, as_json: bool = False) -> None:
    """Print a human line: to stdout, or to stderr when stdout is kept for the JSON object."""
    print(message, file=sys.stderr if as_json else sys.stdout, flush=True)


def report(
    bench: str, results: Sequence[Result], as_json: bool = False, **extra: object
) -> dict[str, object]:
    """Print the table (stderr under ``--json``) and, under ``--json``, the JSON object."""
    info(format_table(results), as_json)
    payload: dict[str, object] = {
        "bench": bench,
        **extra,
        "results": [{**asdict(r), "ok": r.ok} for r in results],
    }
    if as_json:
        print(json.dumps(payload), flush=True)
    return payload
