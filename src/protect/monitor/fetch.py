"""Fresh data on demand: UCDP's and ACLED's APIs, page by page, kept raw, then ingested.

Each download lives in its own folder under `PROTECT_HOME/downloads/` named after the query:
every page is saved there as the API sent it (`page-00000.json`) before the next is asked for,
so a run that stops (network, Ctrl-C) resumes at the first missing page. When every page is in,
the rows are written to one CSV in the layout the ingest reads, and ingested (decision 028).

- UCDP: `GET {base}/api/gedevents/{version}?pagesize=&page=` (pages from 0) with the access
  token in the `x-ucdp-access-token` header (`UCDP_ACCESS_TOKEN`); filters `Country` (GW
  number) and `StartDate`/`EndDate`. Each page is `{TotalCount, TotalPages, PreviousPageUrl,
  NextPageUrl, Result: [...]}`. Yearly releases are `25.1`; monthly Candidate ones `25.0.7`.
- ACLED: a Bearer token from `POST {base}/oauth/token` (`ACLED_EMAIL`, `ACLED_PASSWORD`,
  client `acled`), then `GET {base}/api/acled/read?_format=json&limit=&page=` (pages from 1)
  with `event_date=A|B&event_date_where=BETWEEN` and `country`; each page is
  `{status, success, count, data: [...]}`; a page shorter than the limit is the last (`iso`,
  the ISO 3166-1 numeric code, filters by country as well as `country`). Accounts
  that still have an access key use `key` and `email` parameters instead (`ACLED_KEY`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protect.monitor.models import IngestReport

UCDP_BASE = "https://ucdpapi.pcr.uu.se"
ACLED_BASE = "https://acleddata.com"
UCDP_PAGE_SIZE = 1000
ACLED_PAGE_SIZE = 5000
TIMEOUT_S = 60.0

FetchProgress = Callable[[int, int | None], None]
"""Called as progress(pages done, pages in all or None while unknown)."""


class FetchError(Exception):
    """The download cannot go on; the pages already saved are kept for the next run."""


@dataclass(frozen=True)
class Download:
    """A finished download: where its pages and its CSV are, and what the ingest made of it."""

    folder: Path
    csv_path: Path
    pages: int
    rows: int
    report: IngestReport | None


def _folder(root: Path, source: str, query: dict[str, str]) -> Path:
    """One folder per query: the same command resumes the same download."""
    key = "&".join(f"{k}={v}" for k, v in sorted(query.items()) if v)
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    label = "-".join(re.sub(r"[^A-Za-z0-9.]+", "_", v) for _, v in sorted(query.items()) if v)
    folder = root / f"{source}-{label}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "query.json").write_text(json.dumps(query, indent=2, sort_keys=True), "utf-8")
    return folder


def _page_path(folder: Path, n: int) -> Path:
    return folder / f"page-{n:05d}.json"


def _save(path: Path, body: bytes) -> None:
    """Written under a temporary name and renamed: a half-written page never counts as saved."""
    tmp = path.with_suffix(".part")
    tmp.write_bytes(body)
    os.replace(tmp, path)


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except ValueError as exc:
        path.unlink(missing_ok=True)
        raise FetchError(f"{path}: saved page is not JSON ({exc}); removed, run again") from exc


def _get(client: Any, url: str, **kwargs: Any) -> bytes:
    import httpx

    try:
        response = client.get(url, **kwargs)
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {exc.__class__.__name__}: {exc}") from exc
    if response.status_code in (401, 403):
        raise FetchError(f"{url}: refused ({response.status_code}); check the credentials")
    if response.status_code != 200:
        raise FetchError(f"{url}: HTTP {response.status_code}: {response.text[:200]}")
    body: bytes = response.content
    return body


def _month_start(month: str | None, what: str) -> str | None:
    if month is None:
        return None
    from protect.knowledge import months

    try:
        m = months.parse(month)
    except ValueError as exc:
        raise FetchError(f"{what}: {exc}") from exc
    return months.first_day(m).isoformat()


def missing_since(iso3: str, *, db_path: Path | None = None) -> str:
    """`--since auto`: the month after the last one the monitor shows for the country (any
    source), so a fetch asks only for the months missing."""
    from protect.knowledge import months
    from protect.monitor.api import coverage

    span = coverage(iso3, db_path=db_path)
    if span is None:
        raise FetchError(f"--since auto: no data for {iso3} yet; give --since YYYY-MM")
    return months.shift(span[1], 1)


def _write_csv(rows: Callable[[], Iterator[dict[str, Any]]], path: Path) -> int:
    """The rows of every page as one CSV, columns in the order first seen. The pages are read
    twice (columns, then rows), one at a time, so a full release never sits in memory."""
    columns: dict[str, None] = {}
    for row in rows():
        for key in row:
            columns.setdefault(key, None)
    tmp = path.with_suffix(".part")
    count = 0
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows():
            writer.writerow({k: _cell(v) for k, v in row.items()})
            count += 1
    os.replace(tmp, path)
    return count


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


# --- UCDP ------------------------------------------------------------------------------------


def fetch_ucdp(
    version: str,
    *,
    country: int | None = None,
    since: str | None = None,
    until: str | None = None,
    root: Path | None = None,
    base_url: str = UCDP_BASE,
    token: str | None = None,
    page_size: int = UCDP_PAGE_SIZE,
    progress: FetchProgress | None = None,
    db_path: Path | None = None,
    ingest: bool = True,
) -> Download:
    """Download UCDP GED (`25.1`) or Candidate (`25.0.7`) events, resumably, and ingest them."""
    import httpx

    if not re.fullmatch(r"\d{2}\.\d(\.\d{1,2})?", version):
        raise FetchError(f"version {version!r} is not a UCDP version such as 25.1 or 25.0.7")
    token = token if token is not None else os.environ.get("UCDP_ACCESS_TOKEN")
    if not token:
        raise FetchError(
            "UCDP's API needs an access token: set UCDP_ACCESS_TOKEN (request one from UCDP)"
        )
    start = _month_start(since, "--since")
    query = {
        "version": version,
        "Country": str(country) if country is not None else "",
        "StartDate": start or "",
        "EndDate": until or "",
    }
    folder = _folder(root or _downloads(), "ucdp", query)
    params = {k: v for k, v in query.items() if v and k != "version"}
    headers = {"x-ucdp-access-token": token, "Accept": "application/json"}
    url = f"{base_url.rstrip('/')}/api/gedevents/{version}"
    pages: int | None = None
    with httpx.Client(timeout=TIMEOUT_S, headers=headers) as client:
        n = 0
        while pages is None or n < pages:
            path = _page_path(folder, n)
            if not path.exists():
                body = _get(client, url, params={**params, "pagesize": page_size, "page": n})
                _page_body(body, url)
                _save(path, body)
            doc = _load(path)
            pages = max(int(doc.get("TotalPages") or 0), 1)
            n += 1
            if progress is not None:
                progress(n, pages)
    candidate = version.count(".") == 2
    name = f"GEDEvent_v{version.replace('.', '_')}_api.csv"
    if candidate:
        name = f"GEDEvent_candidate_v{version.replace('.', '_')}_api.csv"

    def rows() -> Iterator[dict[str, Any]]:
        for k in range(pages or 0):
            yield from _load(_page_path(folder, k))["Result"]

    return _finish(folder, name, rows, pages or 0, "ucdp", candidate, db_path, ingest)


def _page_body(body: bytes, url: str) -> None:
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise FetchError(f"{url}: the answer is not JSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("Result"), list):
        raise FetchError(f"{url}: the answer has no Result list (not a UCDP API page)")


# --- ACLED -----------------------------------------------------------------------------------


def _acled_auth(client: Any, base: str) -> dict[str, str]:
    """Query parameters or headers that authenticate: OAuth with the account's email and
    password (ACLED's current scheme), else the older access key with the email."""
    import httpx

    email = os.environ.get("ACLED_EMAIL")
    password = os.environ.get("ACLED_PASSWORD")
    key = os.environ.get("ACLED_KEY")
    if email and password:
        try:
            response = client.post(
                f"{base}/oauth/token",
                data={
                    "username": email,
                    "password": password,
                    "grant_type": "password",
                    "client_id": "acled",
                },
            )
        except httpx.HTTPError as exc:
            raise FetchError(f"{base}/oauth/token: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code != 200:
            raise FetchError(
                f"{base}/oauth/token: refused ({response.status_code}); check ACLED_EMAIL "
                "and ACLED_PASSWORD"
            )
        token = response.json().get("access_token")
        if not token:
            raise FetchError(f"{base}/oauth/token: the answer holds no access_token")
        client.headers["Authorization"] = f"Bearer {token}"
        return {}
    if email and key:
        return {"key": key, "email": email}
    raise FetchError(
        "ACLED's API needs an account: set ACLED_EMAIL and ACLED_PASSWORD "
        "(or ACLED_EMAIL and ACLED_KEY for an access key)"
    )


def fetch_acled(
    *,
    country: str | None = None,
    iso: int | None = None,
    since: str | None = None,
    until: str | None = None,
    root: Path | None = None,
    base_url: str = ACLED_BASE,
    page_size: int = ACLED_PAGE_SIZE,
    progress: FetchProgress | None = None,
    db_path: Path | None = None,
    ingest: bool = True,
) -> Download:
    """Download ACLED events (`since`: the first month wanted), resumably, and ingest them."""
    import httpx

    start = _month_start(since, "--since") or "1997-01-01"
    end = until or dt.date.today().isoformat()
    query = {
        "country": country or "",
        "iso": str(iso) if iso is not None else "",
        "since": start,
        "until": end,
    }
    folder = _folder(root or _downloads(), "acled", query)
    base = base_url.rstrip("/")
    params: dict[str, Any] = {
        "_format": "json",
        "limit": page_size,
        "event_date": f"{start}|{end}",
        "event_date_where": "BETWEEN",
    }
    if country:
        params["country"] = country
    if iso is not None:
        params["iso"] = iso
    pages = 0
    with httpx.Client(timeout=TIMEOUT_S, headers={"Accept": "application/json"}) as client:
        auth: dict[str, str] | None = None
        n = 1
        while True:
            path = _page_path(folder, n)
            if not path.exists():
                if auth is None:
                    auth = _acled_auth(client, base)
                body = _get(client, f"{base}/api/acled/read", params={**params, **auth, "page": n})
                _acled_page(body, base)
                _save(path, body)
            doc = _load(path)
            pages = n
            if progress is not None:
                progress(n, None)
            if len(doc["data"]) < page_size:
                break
            n += 1

    def rows() -> Iterator[dict[str, Any]]:
        for k in range(1, pages + 1):
            yield from _load(_page_path(folder, k))["data"]

    name = f"acled_{country or iso or 'all'}_{start}_{end}_api.csv".replace(" ", "_")
    return _finish(folder, name, rows, pages, "acled", False, db_path, ingest)


def _acled_page(body: bytes, base: str) -> None:
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise FetchError(f"{base}/api/acled/read: the answer is not JSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise FetchError(f"{base}/api/acled/read: the answer has no data list")
    if doc.get("success") is False:
        raise FetchError(f"{base}/api/acled/read: {str(doc.get('error'))[:200]}")


# --- both ------------------------------------------------------------------------------------


def _downloads() -> Path:
    from protect.config import events_db_path

    return events_db_path().parent / "downloads"


def _finish(
    folder: Path,
    name: str,
    rows: Callable[[], Iterator[dict[str, Any]]],
    pages: int,
    kind: str,
    candidate: bool,
    db_path: Path | None,
    ingest: bool,
) -> Download:
    from protect.monitor.ingest import ingest as run_ingest

    csv_path = folder / name
    count = _write_csv(rows, csv_path)
    if count == 0:
        return Download(folder, csv_path, pages, 0, None)
    report = None
    if ingest:
        report = run_ingest(
            kind,  # type: ignore[arg-type]
            csv_path,
            db_path=db_path,
            candidate=candidate,
        )
    return Download(folder, csv_path, pages, count, report)
