"""What the operations endpoints cost: GET /metrics over a large import history, /ready, /health.

Fills a PostgreSQL database with `--imports` import rows and `--problems` recorded problems,
then times each endpoint through the app (p50/p95 over `--runs`):
`.venv/bin/python -m bench.bench_metrics [--url URL] [--imports 2000] [--problems 500000]`.
The database at `--url` is dropped and created again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.services import fresh_postgres_database

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/attendly_bench_metrics"
TOKEN = "bench-metrics-token-0123456789"
CATEGORIES = ("file", "schema", "type", "business-rule", "cross-reference", "duplicate")


def fill(url: str, imports: int, problems: int) -> None:
    """`imports` finished imports (kinds and statuses mixed) and `problems` problem rows."""
    engine = create_engine(url)
    start = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
    rows = [
        {
            "kind": ("attendance", "roster", "iready")[i % 3],
            "status": ("completed", "completed", "rejected", "failed")[i % 4],
            "started": start + dt.timedelta(hours=i),
            "finished": start + dt.timedelta(hours=i, seconds=5 + i % 600),
            "n": 1000 + i,
        }
        for i in range(imports)
    ]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO imports (kind, filename, status, strict, started_at, finished_at,"
                " records_processed, records_inserted, records_updated, records_skipped,"
                " records_failed, checkpoint_row) VALUES (:kind, 'f.csv', :status, false,"
                " :started, :finished, :n, :n, 0, 0, 0, 0)"
            ),
            rows,
        )
        connection.execute(
            text(
                "INSERT INTO import_errors (import_id, rule, message, severity, category)"
                " SELECT 1 + (g % :imports), 'rule', 'message', 'error',"
                " (ARRAY[:c0, :c1, :c2, :c3, :c4, :c5])[1 + g % 6]"
                " FROM generate_series(1, :problems) AS g"
            ),
            {
                "imports": imports,
                "problems": problems,
                **{f"c{i}": c for i, c in enumerate(CATEGORIES)},
            },
        )
    engine.dispose()


def timed(call: Callable[[], int], runs: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds of `call` (which returns the HTTP status, checked 200)."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        status = call()
        seconds.append(time.perf_counter() - started)
        assert status == 200, status
    seconds.sort()
    return statistics.median(seconds) * 1000, seconds[int(0.95 * (len(seconds) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--imports", type=int, default=2000)
    parser.add_argument("--problems", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    from attendly import create_app
    from attendly.settings import Settings
    from attendly.setup import initialise_database

    url = fresh_postgres_database(args.url)
    folder = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
    app = create_app(
        Settings(instance_path=folder, database_url=url, env="test", metrics_token=TOKEN)
    )
    with app.app_context():
        initialise_database(app)
    fill(url, args.imports, args.problems)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    print(f"{args.imports} imports, {args.problems} problems (PostgreSQL), {args.runs} runs each")
    first, _ = timed(lambda: client.get("/metrics", headers=auth).status_code, 1)
    print(f"{'first /metrics':<14} {first:8.1f} ms (counts every problem once)")
    for name, call in (
        ("GET /metrics", lambda: client.get("/metrics", headers=auth).status_code),
        ("GET /ready", lambda: client.get("/ready").status_code),
        ("GET /health", lambda: client.get("/health").status_code),
    ):
        p50, p95 = timed(call, args.runs)
        print(f"{name:<14} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms")


if __name__ == "__main__":
    main()
