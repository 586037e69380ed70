"""The assess form: a situation typed into a page, assessed as POST /api/v1/assess would
(`assessments.assess_payload`, the same validation and document); it stores nothing. The pages
that only read (monitor, risk, knowledge base, ...) are views: see `web/views.py`.
"""

from __future__ import annotations

from functools import cache
from typing import Any, get_args

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from protect.knowledge.schema import HarmKind
from protect.service.errors import InvalidInputError
from protect.web.common import Viewer, render

router = APIRouter(include_in_schema=False)

CRIMES = ("genocide", "crimes-against-humanity", "war-crimes", "ethnic-cleansing")
PEACEKEEPING = ("present", "poc_mandate", "chapter_vii", "host_consent")


@cache
def _choices() -> dict[str, list[str]]:
    """The allowed values of the situation's enumerations, read from the engine's model so the
    form follows it."""
    from protect import Situation

    schema = Situation.model_json_schema()
    props = schema["properties"]
    crimes = schema["$defs"]["CrimeReport"]["properties"]
    return {
        "armed_conflict": list(props["armed_conflict"]["enum"]),
        "state_role": list(props["state_role"]["enum"]),
        "crime_status": list(crimes["status"]["enum"]),
        "harm_level": ["none", "sporadic", "widespread"],
    }


def _blank_form() -> dict[str, Any]:
    return {
        "name": "",
        "country": "",
        "date": "",
        "armed_conflict": "",
        "state_role": "",
        "icc_state_party": "",
        "post_conflict": False,
        "security_council.seized": False,
        **{f"atrocities.{c}": "none" for c in CRIMES},
        **{f"committed.{c}.from": "" for c in CRIMES},
        **{f"committed.{c}.to": "" for c in CRIMES},
        **{f"peacekeeping.{k}": False for k in PEACEKEEPING},
        **{f"civilian_harm.{k}": "none" for k in HARMS},
        "security_council.veto_blocked": False,
        "security_council.icc_referral": "",
        "perpetrators": "",
        "conduct_also_in": "",
        "in_place": "",
    }


HARMS: tuple[str, ...] = get_args(HarmKind)


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in text.replace(";", ",").split(",") if c.strip()]


def _perpetrators(text: str) -> list[dict[str, str]]:
    """One perpetrator a line: `kind, name, nationality` (name and nationality optional)."""
    out = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if not parts or not parts[0]:
            continue
        entry = {"kind": parts[0]}
        if len(parts) > 1 and parts[1]:
            entry["name"] = parts[1]
        if len(parts) > 2 and parts[2]:
            entry["nationality"] = parts[2].upper()
        out.append(entry)
    return out


def _payload(values: dict[str, Any]) -> dict[str, Any]:
    """The situation the form describes, as the JSON body of POST /api/v1/assess would be."""
    atrocities: dict[str, Any] = {}
    for c in CRIMES:
        start, end = values[f"committed.{c}.from"], values[f"committed.{c}.to"]
        if start or end:
            period = {"from": start or None, "to": end or None}
            atrocities[c] = {"status": values[f"atrocities.{c}"], "committed": [period]}
        else:
            atrocities[c] = values[f"atrocities.{c}"]
    council: dict[str, Any] = {
        "seized": values["security_council.seized"],
        "veto_blocked": values["security_council.veto_blocked"],
    }
    if values["security_council.icc_referral"]:
        council["icc_referral"] = values["security_council.icc_referral"]
    payload: dict[str, Any] = {
        "country": values["country"],
        "date": values["date"],
        "armed_conflict": values["armed_conflict"],
        "state_role": values["state_role"],
        "atrocities": atrocities,
        "post_conflict": values["post_conflict"],
        "peacekeeping": {k: values[f"peacekeeping.{k}"] for k in PEACEKEEPING},
        "security_council": council,
        "civilian_harm": {k: values[f"civilian_harm.{k}"] for k in HARMS},
    }
    if values["perpetrators"]:
        payload["perpetrators"] = _perpetrators(values["perpetrators"])
    if values["conduct_also_in"]:
        payload["conduct_also_in"] = _codes(values["conduct_also_in"])
    if values["in_place"]:
        payload["in_place"] = [m.lower() for m in _codes(values["in_place"])]
    if values["name"]:
        payload["name"] = values["name"]
    icc = values["icc_state_party"]
    if icc:
        # Anything but yes/no goes through as typed, so the validation names the field.
        payload["icc_state_party"] = {"true": True, "false": False}.get(icc, icc)
    return payload


@router.get("/assess", response_class=HTMLResponse)
def assess_form(request: Request, user: Viewer) -> HTMLResponse:
    return render(
        request, "assess.html", user, form=_blank_form(), choices=_choices(), errors={}, doc=None
    )


@router.post("/assess", response_class=HTMLResponse)
async def assess_page(request: Request, user: Viewer) -> HTMLResponse:
    """Twin of POST /api/v1/assess: the same validation and document; stores nothing."""
    from protect.service import assessments

    raw = await request.form()
    values = _blank_form()
    for key, default in values.items():
        got = raw.get(key)
        if isinstance(default, bool):
            values[key] = got is not None and str(got) not in ("", "false", "0")
        elif got is not None:
            values[key] = str(got).strip()
    values["country"] = values["country"].upper()  # as the monitor routes take it
    try:
        # In a worker thread, as its API twin: the event loop keeps serving meanwhile.
        doc = await run_in_threadpool(assessments.assess_payload, _payload(values))
    except InvalidInputError as exc:
        errors: dict[str, list[str]] = {}
        for problem in exc.errors or [{"field": "", "msg": exc.message}]:
            errors.setdefault(str(problem.get("field", "")), []).append(str(problem["msg"]))
        return render(
            request,
            "assess.html",
            user,
            status=422,
            form=values,
            choices=_choices(),
            errors=errors,
            doc=None,
        )
    return render(request, "assess.html", user, form=values, choices=_choices(), errors={}, doc=doc)
