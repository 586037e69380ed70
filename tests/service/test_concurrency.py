"""Fifty writers at once against a real server: every write is stored exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import func, select

from protect.storage import AuditEntry, Database, SavedAssessment

from .conftest import PEACE, SUDAN_2004, Served, Tokens

WRITERS = 50


async def _post_all(
    base_url: str, requests: list[tuple[str, Any]], headers: dict[str, str]
) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=WRITERS)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
        return await asyncio.gather(
            *(client.post(url, json=body, headers=headers) for url, body in requests)
        )


def test_fifty_concurrent_saves_are_each_stored_once(
    served: Served, tokens: Tokens, database: Database
) -> None:
    bodies = [("/api/v1/assessments", {**SUDAN_2004, "name": f"w{i}"}) for i in range(WRITERS)]
    responses = asyncio.run(_post_all(served.base_url, bodies, tokens.header("analyst")))
    assert [r.status_code for r in responses] == [201] * WRITERS
    assert len({r.json()["id"] for r in responses}) == WRITERS

    with database.reading() as session:
        names = Counter(session.scalars(select(SavedAssessment.name)).all())
        saves = session.scalar(select(func.count()).where(AuditEntry.action == "assessment.save"))
    assert names == Counter(f"w{i}" for i in range(WRITERS))
    assert saves == WRITERS


def test_fifty_concurrent_reassessments_get_distinct_versions(
    served: Served, tokens: Tokens, database: Database
) -> None:
    headers = tokens.header("analyst")
    first = httpx.post(
        f"{served.base_url}/api/v1/assessments", json=PEACE, headers=headers, timeout=60
    ).json()
    url = f"/api/v1/assessments/{first['id']}/reassess"
    bodies = [(url, {**PEACE, "name": f"r{i}"}) for i in range(WRITERS)]
    responses = asyncio.run(_post_all(served.base_url, bodies, headers))
    assert [r.status_code for r in responses] == [201] * WRITERS

    with database.reading() as session:
        rows = session.execute(
            select(SavedAssessment.version, SavedAssessment.name).where(
                SavedAssessment.case_id == first["case"]
            )
        ).all()
    assert sorted(v for v, _ in rows) == list(range(1, WRITERS + 2))
    assert Counter(n for _, n in rows if n) == Counter(f"r{i}" for i in range(WRITERS))
