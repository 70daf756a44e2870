"""A small HTTP/1.1 load generator, standard library only, run as its own process by bench_load.py.

    python benchmarks/load/generator.py PLAN.json   →  one JSON object on stdout

Why this and not wrk or locust: `make bench` must run on a fresh machine and in CI without root or a second
virtualenv, and the deadline-day scenario needs per-client state (each officer's token, report and current
version, 409 handling, one submit). One asyncio process holds every client as a keep-alive connection: no
thread per client fighting for the GIL, and under 0.1 ms of CPU per request (about 0.08 ms), so the generator
takes little of the cores the server is measured on (it reports its own CPU time so that claim is checked).

The plan (JSON) names the scenario, the clients and the time window. Every client loop is bounded by the
window's end and by MAX_REQUESTS_PER_CLIENT; every request by REQUEST_TIMEOUT_S. Only 127.0.0.1 is a target.

Scenarios (each client back to back, or paced with `interval`):
- "get": each client repeats one GET (its own token and path).
- "deadline": each client is an officer with one draft report. It reads the report, then saves its figures
  (PATCH with the version it holds; a 409 is counted and answered by re-reading), submits once at its own
  moment near the end of the window (`submit_at`, a fraction of the window; only after a first save), then
  reads the report's status until the window closes. The ids of the reports whose submit answered 200 are
  returned for the database check.
Requests that start during the warm-up are not recorded; the measured window follows it.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

TARGET_HOST = "127.0.0.1"
REQUEST_TIMEOUT_S = 30.0
MAX_REQUESTS_PER_CLIENT = 200_000
ERROR_SAMPLES = 5


class HttpError(Exception):
    """The connection failed or the server answered something that is not HTTP/1.1."""


class Connection:
    """One keep-alive HTTP/1.1 connection; reopened when the server closes it (sync workers do)."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(TARGET_HOST, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {TARGET_HOST}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        try:
            status, response_headers = await self._read_head()
            payload = await self._read_body(response_headers)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError) as exc:
            self.close()
            raise HttpError(type(exc).__name__) from exc
        if response_headers.get("connection", "").lower() == "close":
            self.close()
        return status, payload

    async def _read_head(self) -> tuple[int, dict[str, str]]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        version, code, *_reason = status_line.split(" ", 2)
        if not version.startswith("HTTP/1."):
            raise ValueError(status_line)
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        return int(code), headers

    async def _read_body(self, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    return b"".join(chunks)
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
        if "content-length" in headers:
            return await self.reader.readexactly(int(headers["content-length"]))
        body = await self.reader.read()  # no length: the body ends with the connection
        self.close()
        return body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Recorder:
    """Latencies and outcomes of the requests that started inside the measured window."""

    window_start: float
    window_end: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    conflicts: int = 0
    completed: int = 0

    def conflict(self) -> None:
        """A 409 (stale version) is an expected answer, not an error: counted apart, inside the window."""
        if self.in_window(time.perf_counter()):
            self.conflicts += 1

    def in_window(self, started: float) -> bool:
        return self.window_start <= started < self.window_end

    def record(self, kind: str, started: float, seconds: float, error: str | None = None, sample: str = "") -> None:
        self.completed += 1  # warm-up included: the CPU figures cover the generator's whole life
        if not self.in_window(started):
            return
        self.latencies[kind].append(seconds)
        if error:
            self.errors[f"{kind}: {error}"] += 1
            if len(self.error_samples) < ERROR_SAMPLES:
                self.error_samples.append(f"{kind} {error} {sample[:200]}")


class Client:
    """One simulated user on its own connection: back to back, or paced at one request every `interval` s.

    Paced clients are timed from the moment their request was due, not from when it was sent, so that a
    server falling behind shows as latency instead of silently lowering the rate (no coordinated omission).
    """

    def __init__(self, port: int, token: str, recorder: Recorder, interval: float, phase: float):
        self.connection = Connection(port)
        self.recorder = recorder
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json",
                        "Content-Type": "application/json"}
        self.interval = interval
        self.due = time.perf_counter() + phase * interval
        self.sent = 0

    def may_continue(self) -> bool:
        return time.perf_counter() < self.recorder.window_end and self.sent < MAX_REQUESTS_PER_CLIENT

    async def call(self, kind: str, method: str, path: str, payload: dict | None = None,
                   expected: tuple[int, ...] = (200,)) -> tuple[int, bytes]:
        """One timed request; an unexpected status, a timeout or a broken connection is an error."""
        body = json.dumps(payload).encode() if payload is not None else b""
        self.sent += 1
        started = await self._wait_turn()
        try:
            status, data = await asyncio.wait_for(self.connection.request(method, path, self.headers, body),
                                                  REQUEST_TIMEOUT_S)
        except (TimeoutError, HttpError, OSError) as exc:
            self.connection.close()
            self.recorder.record(kind, started, time.perf_counter() - started, error=type(exc).__name__)
            return 0, b""
        elapsed = time.perf_counter() - started
        self.recorder.record(kind, started, elapsed, error=None if status in expected else f"HTTP {status}",
                             sample=data.decode("utf-8", "replace"))
        return status, data

    async def _wait_turn(self) -> float:
        """When this request counts from: now, or (paced) the moment it was due."""
        if not self.interval:
            return time.perf_counter()
        due, self.due = self.due, self.due + self.interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        return due


async def run_get(client: Client, path: str) -> None:
    while client.may_continue():
        await client.call("get", "GET", path)


def _figures(rng: random.Random, totals: dict[str, int]) -> dict:
    return {slug: {"numerator": rng.randint(0, total), "denominator": total} for slug, total in totals.items()}


async def run_officer(client: Client, spec: dict, submitted: list[int]) -> None:
    """Autosave figures until this officer's moment, submit once, then follow the report's status."""
    detail = f"/api/v1/reports/{spec['report']}/"
    rng = random.Random(spec["report"])  # noqa: S311 - load shape, not security
    window = client.recorder.window_end - client.recorder.window_start
    submit_at = client.recorder.window_start + spec["submit_at"] * window
    version = None
    saved = done = False  # an officer submits only a form they have filled in at least once
    while client.may_continue():
        if done:
            await client.call("read", "GET", detail)
        elif version is None:  # first thing, and after a 409: read the version the server holds
            version = await _read_version(client, detail)
        elif saved and time.perf_counter() >= submit_at:
            status, data = await client.call("submit", "POST", detail + "submit/", {"version": version},
                                             expected=(200, 409))
            if status == 200 and json.loads(data).get("status") == "submitted":
                submitted.append(spec["report"])
                done = True
            elif status == 409:
                client.recorder.conflict()
                version = None
        else:
            payload = {"version": version, "figures": _figures(rng, spec["totals"]),
                       "results": f"Cập nhật lần {client.sent}: số liệu đã rà soát với các thôn."}
            status, data = await client.call("save", "PATCH", detail, payload, expected=(200, 409))
            if status == 200:
                version, saved = json.loads(data)["version"], True
            elif status == 409:
                client.recorder.conflict()
                version = None
            elif status == 0:  # the connection broke: the save may or may not have happened
                version = None


async def _read_version(client: Client, detail: str) -> int | None:
    status, data = await client.call("read", "GET", detail)
    return json.loads(data)["version"] if status == 200 else None


def _summary(values: list[float], seconds: float) -> dict:
    ordered = sorted(values)

    def pct(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000 if ordered else 0.0  # nearest rank

    return {"requests": len(ordered), "rps": len(ordered) / seconds if seconds else 0.0,
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "max_ms": ordered[-1] * 1000 if ordered else 0.0}


async def main(plan: dict) -> dict:
    if plan.get("host", TARGET_HOST) != TARGET_HOST:
        raise SystemExit("The load generator only targets 127.0.0.1.")
    start = time.perf_counter() + 0.2
    recorder = Recorder(window_start=start + plan["warmup"], window_end=start + plan["warmup"] + plan["duration"])
    submitted: list[int] = []
    await asyncio.sleep(max(0.0, start - time.perf_counter()))
    tasks = []
    phases = random.Random(len(plan["clients"]))  # noqa: S311 - spreads paced clients over their interval
    for spec in plan["clients"]:
        client = Client(plan["port"], spec["token"], recorder, plan.get("interval", 0.0), phases.random())
        job = run_get(client, spec["path"]) if plan["scenario"] == "get" else run_officer(client, spec, submitted)
        tasks.append(asyncio.ensure_future(job))
    await asyncio.gather(*tasks)
    all_latencies = [v for values in recorder.latencies.values() for v in values]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "clients": len(plan["clients"]), "duration_s": plan["duration"], "interval": plan.get("interval", 0.0),
        "all": _summary(all_latencies, plan["duration"]),
        "by_kind": {kind: _summary(values, plan["duration"]) for kind, values in sorted(recorder.latencies.items())},
        "errors": sum(recorder.errors.values()), "error_kinds": dict(recorder.errors),
        "error_samples": recorder.error_samples, "conflicts": recorder.conflicts,
        "submitted": sorted(submitted), "completed": recorder.completed,
        "generator_cpu_s": usage.ru_utime + usage.ru_stime,
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        result = asyncio.run(main(json.load(fh)))
    print(json.dumps(result))
