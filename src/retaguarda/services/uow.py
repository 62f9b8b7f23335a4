"""Units of work: one transaction per request, command or job.

Services receive the open connection and never commit; the unit of work
commits when the block ends normally and rolls back when it raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Connection]:
    """Open a transaction on `engine`; commit on success, roll back on error."""
    with engine.begin() as connection:
        yield connection
