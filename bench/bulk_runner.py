"""One timed bulk intake through `services.intake`, in a fresh process.

Used by bench/intake.py for its `service` rows (and for `--compare` variants,
run with PYTHONPATH pointing at another source tree): the process generates the
same seeded rows, then times only the intake. Prints one JSON line.

    python bench/bulk_runner.py URL N SEED CHUNK
"""

from __future__ import annotations

import gc
import json
import sys
import time

import bulk_load
import workload
from databases import Database


def main() -> None:
    url, n, seed, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rows = workload.items(n, seed=seed, prefix="B", backdated=True)
    # The CLI streams its rows; here they all stay alive, so keep the collector
    # from rescanning them on every full collection during the timed run.
    gc.collect()
    gc.freeze()
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    db = Database(backend, url)
    t0 = time.perf_counter()
    tally = bulk_load.run_service(db, rows, chunk=chunk)
    seconds = time.perf_counter() - t0
    db.engine.dispose()
    print(json.dumps({"seconds": seconds, "tally": tally}))


if __name__ == "__main__":
    main()
