"""The Framework assessment service on SQLite and PostgreSQL: workflow and roles, versions and
the audit trail, append-only storage, comparisons, history, and bad input refused whole."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from protect.service import audit, foa
from protect.service.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    UnauthorizedError,
)
from protect.storage import Database
from protect.storage.models import FoaVersion

from .conftest import ADA, ANA, REV, VIC

ALL_UNKNOWN = [
    {"factor": n, "rating": "unknown", "reasoning": "not assessed"} for n in range(1, 15)
]
EVIDENCE = {"what": "Militia created", "source": "A report", "date": "2015-05", "link": None}


def _versions(database: Database, foa_id: int) -> int:
    with database.reading() as session:
        return len(
            session.scalars(select(FoaVersion.id).where(FoaVersion.assessment_id == foa_id)).all()
        )


def _complete(database: Database, country: str = "BDI", date: str = "2015-11-30") -> foa.FoaRecord:
    record = foa.create(database, ANA, {"country": country, "date": date})
    return foa.rate(database, ANA, record.id, {"ratings": ALL_UNKNOWN})


def test_draft_submit_return_revise_approve_with_versions_and_audit(database: Database) -> None:
    record = foa.create(database, ANA, {"country": "bdi", "date": "2015-11-30"})
    assert (record.country, record.date, record.version, record.status) == (
        "BDI",
        "2015-11-30",
        1,
        "draft",
    )
    assert [f.factor for f in record.factors] == list(range(1, 15))
    assert all(f.rating is None for f in record.factors)

    record = foa.rate(
        database,
        ANA,
        record.id,
        {
            "ratings": [
                {"factor": 7, "rating": "high", "reasoning": "Militias", "evidence": [EVIDENCE]}
            ]
        },
    )
    assert record.version == 2 and record.factors[6].rating == "high"
    assert record.factors[6].rated_by == "ana" and record.factors[6].evidence[0].date == "2015-05"

    with pytest.raises(InvalidInputError, match=r"factors 1, 2, 3, 4, 5, 6, 8, .* are not rated"):
        foa.submit(database, ANA, record.id)
    assert _versions(database, record.id) == 2  # nothing stored by the refused submit

    record = foa.rate(
        database, ANA, record.id, {"ratings": [r for r in ALL_UNKNOWN if r["factor"] != 7]}
    )
    record = foa.submit(database, ANA, record.id, {"note": "please check factor 7"})
    assert record.status == "submitted"
    with pytest.raises(ConflictError, match="only a draft or a returned"):
        foa.rate(database, ANA, record.id, {"ratings": [{"factor": 1, "rating": "low"}]})

    # Four eyes: the submitter may not review; a viewer may not either; a return needs a reason.
    with pytest.raises(ForbiddenError, match="someone other than the analyst who submitted"):
        foa.review(database, ANA, record.id, {"decision": "approve"})
    with pytest.raises(ForbiddenError):
        foa.review(database, VIC, record.id, {"decision": "approve"})
    with pytest.raises(InvalidInputError, match="needs a comment"):
        foa.review(database, REV, record.id, {"decision": "return"})
    record = foa.review(
        database,
        REV,
        record.id,
        {"decision": "return", "comment": "Rate factor 1 on the coup attempt."},
    )
    assert record.status == "returned"
    assert record.comments[-1].by == "rev" and record.comments[-1].action == "return"

    record = foa.rate(
        database,
        ANA,
        record.id,
        {"ratings": [{"factor": 1, "rating": "high", "reasoning": "Coup attempt."}]},
    )
    assert record.status == "draft"
    record = foa.submit(database, ANA, record.id)
    record = foa.review(database, ADA, record.id, {"decision": "approve", "comment": "Agreed."})
    assert record.status == "approved" and record.version == 8
    with pytest.raises(ConflictError, match="approved"):
        foa.suggest(database, ANA, record.id)

    versions = foa.versions(database, VIC, record.id)
    assert [(v.version, v.action, v.status) for v in versions] == [
        (1, "create", "draft"),
        (2, "rate", "draft"),
        (3, "rate", "draft"),
        (4, "submit", "submitted"),
        (5, "return", "returned"),
        (6, "rate", "draft"),
        (7, "submit", "submitted"),
        (8, "approve", "approved"),
    ]
    # Every earlier version reads back as it was.
    assert foa.get(database, VIC, record.id, 2).factors[0].rating is None
    assert foa.get(database, VIC, record.id, 5).factors[0].rating == "unknown"
    log = audit.entries(database, ADA, limit=100).items
    mine = [
        (e.action, e.actor, e.detail["version"])
        for e in reversed(log)
        if e.target == f"foa/{record.id}"
    ]
    assert mine == [
        ("foa.create", "ana", 1),
        ("foa.rate", "ana", 2),
        ("foa.rate", "ana", 3),
        ("foa.submit", "ana", 4),
        ("foa.return", "rev", 5),
        ("foa.rate", "ana", 6),
        ("foa.submit", "ana", 7),
        ("foa.approve", "ada", 8),
    ]
    assert foa.latest_approved(database, VIC, "BDI") == foa.get(database, VIC, record.id)


def test_roles(database: Database) -> None:
    with pytest.raises(UnauthorizedError):
        foa.create(database, None, {"country": "MMR", "date": "2017-09-30"})
    with pytest.raises(ForbiddenError):
        foa.create(database, VIC, {"country": "MMR", "date": "2017-09-30"})
    record = foa.create(database, ANA, {"country": "MMR", "date": "2017-09-30"})
    with pytest.raises(ForbiddenError):
        foa.rate(database, VIC, record.id, {"ratings": [{"factor": 1, "rating": "low"}]})
    with pytest.raises(UnauthorizedError):
        foa.get(database, None, record.id)
    assert foa.get(database, VIC, record.id).id == record.id
    with pytest.raises(NotFoundError):
        foa.get(database, VIC, record.id + 1000)
    with pytest.raises(NotFoundError):
        foa.get(database, VIC, record.id, 9)


def test_the_tables_refuse_update_and_delete(database: Database) -> None:
    record = foa.create(database, ANA, {"country": "MMR", "date": "2017-09-30"})
    for statement in (
        "UPDATE foa_versions SET status = 'approved'",
        "DELETE FROM foa_versions",
        "UPDATE foa_assessments SET country = 'NOR'",
        "DELETE FROM foa_assessments",
    ):
        with pytest.raises(DBAPIError, match="append-only"), database.writing() as session:
            session.execute(text(statement))
    assert foa.get(database, VIC, record.id).status == "draft"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"country": "XXX", "date": "2017-09-30"}, "country"),
        ({"country": "MMR", "date": "2017-02-30"}, "date"),
        ({"country": "MMR"}, "date"),
        ({"country": "MMR", "date": "2017-09-30", "extra": 1}, "extra"),
        (
            {"country": "MMR", "date": "2017-09-30", "situation": {"armed_conflict": "civil war"}},
            "situation.armed_conflict",
        ),
        (
            {"country": "MMR", "date": "2017-09-30", "situation": {"country": "BDI"}},
            "situation.country",
        ),
        (
            {"country": "MMR", "date": "2017-09-30", "situation": {"date": "2017-01-01"}},
            "situation.date",
        ),
    ],
)
def test_bad_new_assessments_name_the_field_and_store_nothing(
    database: Database, payload: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        foa.create(database, ANA, payload)
    assert field in [e["field"] for e in caught.value.errors]
    assert foa.list_assessments(database, VIC).total == 0


@pytest.mark.parametrize(
    ("rating", "field", "msg"),
    [
        ({"factor": 15, "rating": "high"}, "ratings[0].factor", "less than or equal to 14"),
        ({"factor": 1, "rating": "severe"}, "ratings[0].rating", "not-present"),
        ({"factor": 1}, "ratings[0]", "either a rating or accept"),
        ({"factor": 1, "rating": "low", "accept": True}, "ratings[0]", "either a rating or accept"),
        (
            {"factor": 1, "rating": "low", "evidence": [{**EVIDENCE, "date": "2015-13"}]},
            "ratings[0].evidence[0].date",
            "YYYY-MM",
        ),
        (
            {
                "factor": 1,
                "rating": "low",
                "evidence": [{**EVIDENCE, "link": "javascript:alert(1)"}],
            },
            "ratings[0].evidence[0].link",
            "http",
        ),
        (
            {"factor": 1, "rating": "low", "evidence": [{**EVIDENCE, "what": ""}]},
            "ratings[0].evidence[0].what",
            "at least 1",
        ),
        ({"factor": 1, "rating": "low", "reasoning": "a\x00b"}, "ratings[0].reasoning", "NUL"),
        ({"factor": 2, "accept": True}, "ratings[0].accept", "no suggestion"),
    ],
)
def test_bad_ratings_name_the_field_and_store_nothing(
    database: Database, rating: dict[str, Any], field: str, msg: str
) -> None:
    record = foa.create(database, ANA, {"country": "MMR", "date": "2017-09-30"})
    with pytest.raises(InvalidInputError) as caught:
        foa.rate(database, ANA, record.id, {"ratings": [{"factor": 3, "rating": "low"}, rating]})
    errors = caught.value.errors
    text_ = " ".join(f"{e['field']} {e['msg']}" for e in errors)
    assert any(e["field"].replace("[1]", "[0]").replace(".1.", ".0.") == field for e in errors), (
        text_
    )
    assert msg in text_ or msg in caught.value.message
    assert _versions(database, record.id) == 1  # not even the valid first rating was stored


def test_a_stale_form_is_refused_not_applied(database: Database) -> None:
    record = foa.create(database, ANA, {"country": "MMR", "date": "2017-09-30"})
    foa.rate(
        database, ANA, record.id, {"ratings": [{"factor": 1, "rating": "low"}]}, expected_version=1
    )
    with pytest.raises(ConflictError, match="changed since version 1"):
        foa.rate(
            database,
            REV,
            record.id,
            {"ratings": [{"factor": 1, "rating": "high"}]},
            expected_version=1,
        )
    assert foa.get(database, VIC, record.id).factors[0].rating == "low"


def test_concurrent_ratings_each_get_their_own_version(database: Database) -> None:
    record = foa.create(database, ANA, {"country": "MMR", "date": "2017-09-30"})
    errors: list[BaseException] = []

    def rate(factor: int) -> None:
        try:
            foa.rate(
                database, ANA, record.id, {"ratings": [{"factor": factor, "rating": "moderate"}]}
            )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=rate, args=(n,)) for n in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = foa.get(database, VIC, record.id)
    assert final.version == 9
    # Each change was applied to the version before it: none was lost.
    assert [f.rating for f in final.factors[:8]] == ["moderate"] * 8


def test_diff_compares_two_dates_factor_by_factor_and_history_orders_them(
    database: Database,
) -> None:
    early = _complete(database, "BDI", "2015-05-31")
    later = _complete(database, "BDI", "2015-11-30")
    later = foa.rate(
        database,
        ANA,
        later.id,
        {
            "ratings": [
                {"factor": 7, "rating": "high", "reasoning": "Hate speech", "evidence": [EVIDENCE]},
                {"factor": 8, "rating": "high", "reasoning": "Ultimatum"},
                {"factor": 1, "rating": "high"},
                {"factor": 2, "rating": "high"},
                {"factor": 4, "rating": "high"},
            ]
        },
    )
    found = foa.diff(database, VIC, later.id, early.id)
    changed = {f.factor: f for f in found.factors if f.changed}
    assert set(changed) == {1, 2, 4, 7, 8}
    assert (changed[7].before, changed[7].after) == ("unknown", "high")
    assert set(changed[7].changed) == {"rating", "reasoning", "evidence"}
    assert (found.category_before, found.category_after) == (None, "imminent-risk")
    assert found.before["date"] == "2015-05-31" and found.after["date"] == "2015-11-30"
    # Two versions of one assessment.
    own = foa.diff(database, VIC, later.id, later.id, version=later.version, against_version=1)
    assert {f.factor for f in own.factors if f.changed} == set(range(1, 15))
    # History: by date, whatever the order of creation.
    _complete(database, "BDI", "2014-12-31")
    _complete(database, "MMR", "2017-09-30")
    assert [h.date for h in foa.history(database, VIC, "bdi")] == [
        "2014-12-31",
        "2015-05-31",
        "2015-11-30",
    ]
    assert foa.list_assessments(database, VIC, country="MMR").total == 1
    assert foa.list_assessments(database, VIC, status="draft").total == 4


def test_analyst_situation_and_category_override(database: Database) -> None:
    situation = {
        "armed_conflict": "none",
        "state_role": "perpetrator",
        "atrocities": {"crimes-against-humanity": "risk"},
    }
    record = foa.create(
        database, ANA, {"country": "BDI", "date": "2015-11-30", "situation": situation}
    )
    assert record.situation_source == "analyst"
    assert record.situation is not None and record.situation["country"] == "BDI"
    record = foa.rate(
        database,
        ANA,
        record.id,
        {
            "ratings": [
                *[r for r in ALL_UNKNOWN if r["factor"] not in (6, 7)],
                {"factor": 6, "rating": "high"},
                {"factor": 7, "rating": "high"},
            ]
        },
    )
    assert record.conclusion.proposed is None
    measures = {m.id for g in record.conclusion.measures for m in g.measures}
    assert "counter-incitement" in measures and "human-rights-monitoring" in measures
    assert all(set(m.factors) <= {6, 7} for g in record.conclusion.measures for m in g.measures)
    with pytest.raises(InvalidInputError, match="needs a reason"):
        foa.submit(database, ANA, record.id, {"category": "serious-concern"})
    record = foa.submit(
        database, ANA, record.id, {"category": "serious-concern", "reason": "Rhetoric escalating."}
    )
    assert record.conclusion.category == "serious-concern" and record.conclusion.proposed is None
    assert record.conclusion.override is not None and record.conclusion.override["by"] == "ana"
