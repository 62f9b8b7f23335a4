"""Measuring helpers: interleaved rounds, summaries, machine facts, result files.

The conventions are those of the shared peer-baseline kit: every round runs
each peer once in a rotating order (so drift on a noisy machine hits all
peers alike), figures are medians with min-max, and ratios compare medians
measured side by side in the same run.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
PACKAGES = [
    "retaguarda",
    "fastapi",
    "starlette",
    "pydantic",
    "pydantic-core",
    "sqlalchemy",
    "psycopg",
    "psycopg-binary",
    "uvicorn",
    "uvloop",
    "httptools",
    "httpx",
]


def parse_count(text: str) -> int:
    """Accept 1e5, 100000, 100_000, 100k, 1M."""
    t = text.strip().lower().replace("_", "")
    mult = 1
    if t.endswith("k"):
        mult, t = 1_000, t[:-1]
    elif t.endswith("m"):
        mult, t = 1_000_000, t[:-1]
    return int(float(t) * mult)


def rounds(
    peers: Sequence[str], repeats: int, run: Callable[[str, int], dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Call `run(peer, round)` for every peer in every round, the order rotating."""
    samples: dict[str, list[dict[str, Any]]] = {p: [] for p in peers}
    for r in range(repeats):
        shift = r % len(peers)
        for peer in [*peers[shift:], *peers[:shift]]:
            samples[peer].append(run(peer, r))
    return samples


def summary(values: Sequence[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "samples": ordered,
    }


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence (q in 0..100)."""
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used by some processes between `start()` and `stop()`, per unit of work.

    `pids` is called at both ends, so processes that appear meanwhile (a new
    pooled database connection) count from zero.
    """

    def __init__(self, pids: Callable[[], Sequence[int]]) -> None:
        self.pids = pids
        self.before: dict[int, float] = {}

    def start(self) -> None:
        self.before = {pid: process_cpu(pid) for pid in self.pids()}

    def stop(self) -> float:
        pids = set(self.pids()) | set(self.before)
        # A process gone meanwhile reads 0 and counts for nothing.
        return sum(max(0.0, process_cpu(pid) - self.before.get(pid, 0.0)) for pid in pids)


def sh(command: str) -> str:
    try:
        done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as error:
        return f"error: {error}"
    return done.stdout.strip()


def machine_facts() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "nproc": sh("nproc"),
        "cpu_model": cpu,
        "memory": sh("free -g | awk '/^Mem:/ {print $2 \" GiB\"}'"),
        "python": sys.version.split()[0],
        "python_impl": platform.python_implementation(),
        "platform": platform.platform(),
        "loadavg": list(os.getloadavg()),
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
        "git_commit": sh(f"git -C {ROOT} rev-parse --short HEAD"),
        "git_dirty": bool(sh(f"git -C {ROOT} status --porcelain -- src bench")),
    }


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def write_results(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path


def log(message: str) -> None:
    print(message, flush=True)


DOCS = ROOT / "docs" / "benchmarks.md"


def write_section(name: str, block: str) -> Path:
    """Put `block` between `<!-- begin: NAME -->` and `<!-- end: NAME -->` in
    docs/benchmarks.md (appended when absent); the rest of the file is kept."""
    begin, end = f"<!-- begin: {name} -->", f"<!-- end: {name} -->"
    if not block.startswith(begin):
        block = f"{begin}\n{block.strip()}\n{end}"
    text = DOCS.read_text() if DOCS.exists() else ""
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOCS.write_text(text)
    return DOCS
