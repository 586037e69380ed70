"""Time the map, country and briefing pages one request after another, in process.

Ingests the bundled Myanmar GED sample into a throwaway data directory, then asks each page
`--repeat` times through the ASGI app (no network) and prints the first (cold) time and the
median of the rest. A page an analyst waits for should answer in well under a second; the PDF
is allowed a few seconds (WeasyPrint lays out several pages).

With `--stored-years N` it first stores the risk forecasts of the N years up to the latest the
sources allow (PROTECT_SOURCES or ../shared/data; fitted here, untimed), so the forecast map and
the country pages' risk history read N stored years, as on a server that has kept its record.

    .venv/bin/python benchmarks/webapp.py --repeat 5 --stored-years 5
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stored-years", type=int, default=0)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="protect-bench-web-")
    os.environ["PROTECT_HOME"] = home
    from fastapi.testclient import TestClient

    from protect.monitor import api
    from protect.server import create_app
    from protect.storage import Database

    api.ingest("ucdp", api.sample_path(), release=api.SAMPLE_RELEASE)
    db = Database(f"sqlite:///{home}/protect.sqlite3")
    db.migrate()
    if args.stored_years:
        from pathlib import Path

        from protect.service.risk import SERVER, _sources_root, issue_forecast, latest_forecast_year

        latest = latest_forecast_year()
        fitted = time.perf_counter()
        for year in range(latest - args.stored_years + 1, latest + 1):
            issue_forecast(db, SERVER, year, Path(_sources_root()))
        print(
            f"# stored forecasts {latest - args.stored_years + 1}-{latest} from "
            f"{_sources_root()} in {time.perf_counter() - fitted:.1f} s (untimed below)"
        )
    paths = [
        "/map?month=2017-09",
        "/api/v1/map?month=2017-09",
        "/country/MMR?month=2017-09",
        "/api/v1/country/MMR?month=2017-09",
        "/country/FRA",
        "/country/MMR/brief.pdf?month=2017-09",
        "/map/risk",
        "/api/v1/map/risk",
        "/country/SSD",
        "/kb/measures/icc-referral",
        "/kb/search?q=genocide",
        "/api/v1/kb/search?q=security+council+referral",
    ]
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {args.repeat} requests each"
    )
    print(f"{'path':40s} {'status':>6s} {'bytes':>8s} {'first s':>8s} {'median s':>9s}")
    with TestClient(create_app(db)) as client:
        for path in paths:
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                got = client.get(path)
                times.append(time.perf_counter() - start)
            rest = statistics.median(times[1:]) if len(times) > 1 else times[0]
            print(
                f"{path:40s} {got.status_code:6d} {len(got.content):8d} {times[0]:8.3f} {rest:9.3f}"
            )


if __name__ == "__main__":
    main()
