"""The assessment workflow on the web: the assess wizard, and the forms that save, re-assess and
annotate assessments and manage users and tokens. The pages that read (saved assessments, their
history and diffs, the audit log, users, the signed-in user) are views, one declaration with
their JSON twins (`views/assessments.py`, `views/admin.py`); the forms here re-render them.

Thin adapters over `protect.service` (assessments, users, audit), as the /api/v1 routes are: a
page parses its form, calls the service function with the logged-in user, and renders what it
returns; the service decides who may do what. Every form that posts carries the CSRF token the
pages router checks (`common.require_csrf`). The wizard needs no JavaScript: each step is a form
POST that carries the answers of the other steps in hidden fields, so nothing is stored until an
analyst presses Save.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Form, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from protect.knowledge.countries import is_known
from protect.knowledge.schema import HarmKind
from protect.service import Principal, ServiceError, UnauthorizedError, users
from protect.service import assessments as assessments_service
from protect.service.errors import InvalidInputError
from protect.service.http import DB, SESSION_COOKIE
from protect.service.roles import require
from protect.service.worldmap import country_name
from protect.views.admin import USERS
from protect.views.assessments import ASSESSMENT
from protect.views.base import MAX_ID, AssessmentId
from protect.web.common import Viewer, error_page, render

router = APIRouter(include_in_schema=False)

UserName = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")]
CRIMES = ("genocide", "crimes-against-humanity", "war-crimes", "ethnic-cleansing")
PEACEKEEPING = ("present", "poc_mandate", "chapter_vii", "host_consent")
COUNCIL = ("seized", "veto_blocked")
HARMS: tuple[str, ...] = get_args(HarmKind)


def _refused(request: Request, user: Principal | None, exc: ServiceError) -> Response:
    """Anonymous users go to the login page; a role that may not gets a 403 page in words."""
    if isinstance(exc, UnauthorizedError):
        return RedirectResponse("/login", status_code=303)
    if exc.status == 403 and user is not None:
        return error_page(
            request,
            user,
            403,
            f"you are logged in as {user.name}, whose role ({user.role}) may not do this: "
            f"{exc.message.split('; ')[-1]}. Ask an administrator for the role if you need it.",
        )
    return error_page(request, user, exc.status, exc.message)


# ---- the wizard's fields and steps ---------------------------------------------------------


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    fields: tuple[str, ...]


STEPS: tuple[Step, ...] = (
    Step("where", "Country and date", ("country", "date", "name")),
    Step(
        "crimes",
        "Crimes and their periods",
        tuple(
            key
            for c in CRIMES
            for key in (
                f"atrocities.{c}",
                f"committed.{c}.from",
                f"committed.{c}.to",
                f"committed.{c}.more",
            )
        ),
    ),
    Step(
        "conflict",
        "Conflict and parties",
        ("armed_conflict", "state_role", "post_conflict", "perpetrators", "conduct_also_in"),
    ),
    Step("harm", "Harm to civilians", tuple(f"civilian_harm.{h}" for h in HARMS)),
    Step(
        "council",
        "Security Council and the Court",
        (
            *(f"security_council.{k}" for k in COUNCIL),
            "security_council.icc_referral",
            *(f"peacekeeping.{k}" for k in PEACEKEEPING),
            "icc_state_party",
        ),
    ),
    Step("in_place", "Measures in place", ("in_place",)),
    Step("review", "Review", ()),
)
STEP_IDS = tuple(s.id for s in STEPS)


def _step_of_field(field: str) -> int:
    """The index of the step that asks for the field an error names (`atrocities.genocide.
    committed[0].to`, `perpetrators[1].nationality`, `in_place[2]`); the first step otherwise."""
    head = field.split("[", 1)[0]
    parts = head.split(".")
    for candidate in (head, ".".join(parts[:2]), parts[0]):
        for index, step in enumerate(STEPS):
            if candidate in step.fields:
                return index
    return 0


def _blank_form() -> dict[str, Any]:
    return {
        "name": "",
        "country": "",
        "date": "",
        "armed_conflict": "",
        "state_role": "",
        "icc_state_party": "",
        "post_conflict": False,
        **{f"atrocities.{c}": "none" for c in CRIMES},
        **{f"committed.{c}.from": "" for c in CRIMES},
        **{f"committed.{c}.to": "" for c in CRIMES},
        **{f"committed.{c}.more": "" for c in CRIMES},
        **{f"peacekeeping.{k}": False for k in PEACEKEEPING},
        **{f"civilian_harm.{k}": "none" for k in HARMS},
        **{f"security_council.{k}": False for k in COUNCIL},
        "security_council.icc_referral": "",
        "perpetrators": "",
        "conduct_also_in": "",
        "in_place": "",
    }


def _read_form(raw: FormData) -> dict[str, Any]:
    """The wizard's values from a form post: the visible step's fields and the hidden others."""
    values = _blank_form()
    for key, default in values.items():
        got = raw.get(key)
        if isinstance(default, bool):
            values[key] = got is not None and str(got) not in ("", "false", "0")
        elif key == "in_place":
            # One checkbox per measure on its step, one comma-separated hidden field elsewhere.
            values[key] = ",".join(str(v).strip() for v in raw.getlist(key) if str(v).strip())
        elif got is not None:
            values[key] = str(got).strip()
    values["country"] = values["country"].upper()  # as the monitor routes take it
    return values


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


PERIOD_SEPARATOR = " to "


def _more_periods(text: str) -> list[dict[str, str | None]]:
    """Further periods of a crime, one a line: `FROM to TO`, or `FROM to` (still going on).
    What is not a date goes through as typed, so the contract's validation names the line
    (`atrocities.genocide.committed[1].from`)."""
    out: list[dict[str, str | None]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        start, _sep, end = line.partition(PERIOD_SEPARATOR.strip())
        out.append({"from": start.strip() or None, "to": end.strip() or None})
    return out


def situation_payload(values: dict[str, Any]) -> dict[str, Any]:
    """The situation the form describes, as the JSON body of POST /api/v1/assess would be."""
    atrocities: dict[str, Any] = {}
    for c in CRIMES:
        start, end = values[f"committed.{c}.from"], values[f"committed.{c}.to"]
        periods = [{"from": start or None, "to": end or None}] if start or end else []
        periods += _more_periods(values[f"committed.{c}.more"])
        if periods:
            atrocities[c] = {"status": values[f"atrocities.{c}"], "committed": periods}
        else:
            atrocities[c] = values[f"atrocities.{c}"]
    council: dict[str, Any] = {k: values[f"security_council.{k}"] for k in COUNCIL}
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


def form_from_situation(situation: dict[str, Any]) -> dict[str, Any]:
    """The wizard's values for saved facts (the inverse of `situation_payload`), so an analyst
    can change them and save the next version. Facts the form cannot hold are refused by name
    rather than dropped: a comma in a perpetrator's name."""
    values = _blank_form()
    for key in ("name", "country", "date", "armed_conflict", "state_role"):
        if situation.get(key) is not None:
            values[key] = str(situation[key])
    values["post_conflict"] = bool(situation.get("post_conflict", False))
    for crime, entry in (situation.get("atrocities") or {}).items():
        if isinstance(entry, str):
            values[f"atrocities.{crime}"] = entry
            continue
        values[f"atrocities.{crime}"] = str(entry.get("status", "none"))
        periods = entry.get("committed") or []
        if periods:
            values[f"committed.{crime}.from"] = str(periods[0].get("from") or "")
            values[f"committed.{crime}.to"] = str(periods[0].get("to") or "")
        values[f"committed.{crime}.more"] = "\n".join(
            f"{p.get('from') or ''}{PERIOD_SEPARATOR}{p.get('to') or ''}".strip()
            for p in periods[1:]
        )
    for key in PEACEKEEPING:
        values[f"peacekeeping.{key}"] = bool((situation.get("peacekeeping") or {}).get(key))
    council = situation.get("security_council") or {}
    for key in COUNCIL:
        values[f"security_council.{key}"] = bool(council.get(key))
    values["security_council.icc_referral"] = str(council.get("icc_referral") or "")
    icc = situation.get("icc_state_party")
    values["icc_state_party"] = "" if icc is None else ("true" if icc else "false")
    lines = []
    for index, who in enumerate(situation.get("perpetrators") or []):
        if "," in str(who.get("name") or ""):
            raise InvalidInputError(
                f"perpetrators[{index}].name: the form separates fields with commas, and this "
                "name holds one; re-assess these facts through the API"
            )
        parts = [str(who.get(k) or "") for k in ("kind", "name", "nationality")]
        lines.append(", ".join(parts).rstrip(", "))
    values["perpetrators"] = "\n".join(lines)
    values["conduct_also_in"] = ", ".join(situation.get("conduct_also_in") or [])
    for kind in HARMS:
        values[f"civilian_harm.{kind}"] = str(
            (situation.get("civilian_harm") or {}).get(kind, "none")
        )
    values["in_place"] = ",".join(situation.get("in_place") or [])
    return values


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


@cache
def _help() -> dict[str, str]:
    """Each form field's help text: the description the engine's model gives the field, so the
    page, the OpenAPI schema and the contract say the same thing."""
    from protect.engine.model import (
        CivilianHarm,
        CrimeReport,
        Peacekeeping,
        Perpetrator,
        SecurityCouncil,
        Situation,
    )
    from protect.knowledge import kb

    def described(model: Any, name: str) -> str:
        return str(model.model_fields[name].description or "")

    out = {
        key: described(Situation, key)
        for key in (
            "name",
            "country",
            "date",
            "armed_conflict",
            "state_role",
            "post_conflict",
            "icc_state_party",
            "conduct_also_in",
            "in_place",
        )
    }
    kinds = described(Perpetrator, "kind")
    out["perpetrators"] = (
        f"{described(Situation, 'perpetrators')} One a line: kind, name, nationality. "
        f"Kind is {kinds} {described(Perpetrator, 'nationality')}"
    )
    out["crime_status"] = described(CrimeReport, "status")
    out["committed"] = described(CrimeReport, "committed")
    for crime in CRIMES:
        out[f"atrocities.{crime}"] = kb().crimes[crime].summary.strip()
    for name, field in CivilianHarm.model_fields.items():
        out[f"civilian_harm.{field.alias or name}"] = str(field.description or "")
    for key in PEACEKEEPING:
        out[f"peacekeeping.{key}"] = described(Peacekeeping, key)
    for key in (*COUNCIL, "icc_referral"):
        out[f"security_council.{key}"] = described(SecurityCouncil, key)
    return out


@cache
def _countries() -> dict[str, list[tuple[str, str]]]:
    """(code, name) of every country the contract takes, current ones first, by name."""
    from protect.knowledge.countries import all_countries

    found = all_countries()
    return {
        "current": sorted(((c.iso3, c.name) for c in found if not c.former), key=lambda x: x[1]),
        "former": sorted(((c.iso3, c.name) for c in found if c.former), key=lambda x: x[1]),
    }


@cache
def _measures() -> list[tuple[str, str, str]]:
    """(id, title, actors) of every measure of the catalogue, by title."""
    from protect.knowledge import kb

    return sorted(
        ((m.id, m.title, ", ".join(m.actors)) for m in kb().measures.values()),
        key=lambda x: x[1].lower(),
    )


def _errors(exc: InvalidInputError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in exc.errors or [{"field": "", "msg": exc.message}]:
        errors.setdefault(str(problem.get("field", "")), []).append(str(problem["msg"]))
    return errors


def _wizard(
    request: Request,
    user: Principal | None,
    values: dict[str, Any],
    step: int,
    *,
    errors: dict[str, list[str]] | None = None,
    doc: Any = None,
    status: int = 200,
    editing: int | None = None,
) -> HTMLResponse:
    errors = errors or {}
    # Messages next to the field they belong to: `atrocities.genocide.committed[0]` goes with
    # the genocide row, `perpetrators[1].kind` with the perpetrators.
    by_field: dict[str, list[str]] = {}
    for field, msgs in errors.items():
        head = field.split("[", 1)[0]
        parts = head.split(".")
        key = ".".join(parts[:2]) if parts[0] in ("atrocities", "civilian_harm") else head
        by_field.setdefault(key, []).extend(msgs)
    current = STEPS[step]
    in_place = set(_codes(values["in_place"]))
    return render(
        request,
        "assess.html",
        user,
        status=status,
        form=values,
        steps=STEPS,
        step=current,
        step_index=step,
        hidden={k: v for k, v in values.items() if k not in current.fields},
        choices=_choices(),
        help=_help(),
        countries=_countries(),
        # Empty for a code the knowledge base does not know: the page then says so.
        country_name=(country_name(values["country"]) if is_known(values["country"]) else ""),
        measures=_measures(),
        in_place={m.lower() for m in in_place},
        crimes=CRIMES,
        harms=HARMS,
        peacekeeping=PEACEKEEPING,
        errors=errors,
        field_errors=by_field,
        doc=doc,
        editing=editing,
    )


def _edit_id(value: object) -> int | None:
    """The saved version whose facts the wizard is changing (`edit`), if any."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= MAX_ID else None


@router.get("/assess", response_model=None)
def assess_form(
    request: Request, db: DB, user: Viewer, step: str = "where", edit: str = ""
) -> Response:
    """The wizard, empty, or (`?edit=ID`, signed in) holding the facts of a saved version."""
    index = STEP_IDS.index(step) if step in STEP_IDS else 0
    editing = _edit_id(edit)
    if editing is None:
        return _wizard(request, user, _blank_form(), index)
    try:
        record = assessments_service.get(db, user, editing)
        values = form_from_situation(record.situation)
    except ServiceError as exc:
        return _refused(request, user, exc)
    return _wizard(request, user, values, index, editing=editing)


def _check(values: dict[str, Any]) -> dict[str, list[str]]:
    """Every problem with the situation as the form now describes it (nothing is assessed)."""
    try:
        assessments_service.parse(situation_payload(values))
    except InvalidInputError as exc:
        return _errors(exc)
    return {}


@router.post("/assess", response_class=HTMLResponse)
async def assess_page(request: Request, user: Viewer) -> HTMLResponse:
    """One step of the wizard, or (button "Assess", or a form without a step) the assessment:
    twin of POST /api/v1/assess, with the same validation and document; stores nothing.

    "Next" checks the fields of the steps so far and stays on the first step with a problem;
    "Back" and the step buttons move without checking; "Assess" checks everything.
    """
    raw = await request.form()
    values = _read_form(raw)
    at = str(raw.get("step") or "")
    index = STEP_IDS.index(at) if at in STEP_IDS else len(STEPS) - 1
    go = str(raw.get("go") or "assess")
    editing = _edit_id(raw.get("edit"))
    if go == "back":
        return _wizard(request, user, values, max(0, index - 1), editing=editing)
    if go.startswith("to:") and go[3:] in STEP_IDS:
        return _wizard(request, user, values, STEP_IDS.index(go[3:]), editing=editing)
    if go == "next":
        problems = {f: m for f, m in _check(values).items() if _step_of_field(f) <= index}
        if problems:
            first = min(_step_of_field(f) for f in problems)
            return _wizard(
                request, user, values, first, errors=problems, status=422, editing=editing
            )
        return _wizard(request, user, values, min(index + 1, len(STEPS) - 1), editing=editing)
    try:
        # In a worker thread, as its API twin: the event loop keeps serving meanwhile.
        doc = await run_in_threadpool(assessments_service.assess_payload, situation_payload(values))
    except InvalidInputError as exc:
        return _invalid(request, user, values, exc, editing)
    return _wizard(request, user, values, len(STEPS) - 1, doc=doc, editing=editing)


def _invalid(
    request: Request,
    user: Principal | None,
    values: dict[str, Any],
    exc: InvalidInputError,
    editing: int | None = None,
) -> HTMLResponse:
    """The wizard again at the first step with a problem, every message shown (422)."""
    errors = _errors(exc)
    first = min(_step_of_field(f) for f in errors)
    return _wizard(request, user, values, first, errors=errors, status=422, editing=editing)


@router.post("/assess/save", response_model=None)
async def save_page(request: Request, db: DB, user: Viewer) -> Response:
    """Twin of POST /api/v1/assessments (analyst): assess the wizard's situation and save it as
    version 1 of a new case, then show the saved assessment."""
    values = _read_form(await request.form())
    try:
        record = await run_in_threadpool(
            assessments_service.save, db, user, situation_payload(values)
        )
    except InvalidInputError as exc:
        return _invalid(request, user, values, exc)
    except ServiceError as exc:
        return _refused(request, user, exc)
    return RedirectResponse(f"/assessments/{record.id}", status_code=303)


# ---- saved assessments ---------------------------------------------------------------------


def _assessment_view(
    request: Request,
    db: DB,
    user: Principal | None,
    assessment_id: int,
    *,
    status: int = 200,
    note_error: str = "",
    note_text: str = "",
) -> Response:
    """The saved assessment's page (the view's), with what the annotation form needs again."""
    try:
        saved = ASSESSMENT.load(db=db, reader=user, assessment_id=assessment_id)
    except ServiceError as exc:
        return _refused(request, user, exc)
    context = {**ASSESSMENT.context(saved), "note_error": note_error, "note_text": note_text}
    return render(request, ASSESSMENT.template, user, status=status, **context)


@router.post("/assessments/{assessment_id}/reassess", response_model=None)
async def reassess_page(
    request: Request, db: DB, user: Viewer, assessment_id: AssessmentId
) -> Response:
    """Twin of POST /api/v1/assessments/{id}/reassess (analyst): the next version of the case,
    from the saved facts under today's rules (the button on the saved assessment), or from the
    facts the wizard holds (its "Save as the next version of this case")."""
    raw = await request.form()
    values = _read_form(raw) if "country" in raw else None
    payload = situation_payload(values) if values is not None else None
    try:
        record = await run_in_threadpool(
            assessments_service.reassess, db, user, assessment_id, payload
        )
    except InvalidInputError as exc:
        if values is None:
            return _refused(request, user, exc)
        return _invalid(request, user, values, exc, assessment_id)
    except ServiceError as exc:
        return _refused(request, user, exc)
    return RedirectResponse(f"/assessments/{record.id}", status_code=303)


@router.post("/assessments/{assessment_id}/annotations", response_model=None)
def annotate_page(
    request: Request,
    db: DB,
    user: Viewer,
    assessment_id: AssessmentId,
    text: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Twin of POST /api/v1/assessments/{id}/annotations (analyst)."""
    try:
        assessments_service.annotate(db, user, assessment_id, text)
    except InvalidInputError as exc:
        return _assessment_view(
            request, db, user, assessment_id, status=422, note_error=exc.message, note_text=text
        )
    except ServiceError as exc:
        return _refused(request, user, exc)
    return RedirectResponse(f"/assessments/{assessment_id}#annotations", status_code=303)


def _users_view(
    request: Request,
    db: DB,
    user: Principal | None,
    *,
    status: int = 200,
    new_token: Any = None,
    message: str = "",
) -> Response:
    """The users page (the view's), with a token just made or a refusal to show."""
    try:
        everyone = USERS.load(db=db, reader=user)
    except ServiceError as exc:
        return _refused(request, user, exc)
    context = {**USERS.context(everyone), "new_token": new_token, "message": message}
    return render(request, USERS.template, user, status=status, **context)


@router.post("/users", response_model=None)
def add_user_page(
    request: Request,
    db: DB,
    user: Viewer,
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Twin of POST /api/v1/users (admin): the new user's token is shown this once."""
    try:
        made = users.add_user(db, user, name.strip(), role)
    except ServiceError as exc:
        if exc.status in (409, 422):
            return _users_view(request, db, user, status=exc.status, message=exc.message)
        return _refused(request, user, exc)
    return _users_view(request, db, user, new_token=made)


@router.post("/users/{name}/revoke", response_model=None)
def revoke_user_page(request: Request, db: DB, user: Viewer, name: UserName) -> Response:
    """Twin of POST /api/v1/users/{name}/revoke (admin)."""
    try:
        users.revoke_user(db, user, name)
    except ServiceError as exc:
        return _refused(request, user, exc)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/token", response_model=None)
def rotate_user_page(request: Request, db: DB, user: Viewer, name: UserName) -> Response:
    """Twin of POST /api/v1/users/{name}/token (admin): the new token is shown this once."""
    if user is not None and user.name == name:
        return RedirectResponse("/me", status_code=303)  # one's own: /me, which logs out
    try:
        require(user, "admin")
        made = users.rotate_token(db, user, name)
    except ServiceError as exc:
        if exc.status == 409:
            return _users_view(request, db, user, status=409, message=exc.message)
        return _refused(request, user, exc)
    return _users_view(request, db, user, new_token=made)


@router.post("/me/token", response_model=None)
def rotate_me_page(request: Request, db: DB, user: Viewer) -> Response:
    """Twin of POST /api/v1/me/token: the new token, shown this once. Rotating ends the user's
    web sessions (this one too), so the page says so and the session cookie goes."""
    try:
        made = users.rotate_token(db, user, require(user, "viewer").name)
    except ServiceError as exc:
        return _refused(request, user, exc)
    response = render(request, "me.html", None, me=made.user, new_token=made, json_url="")
    response.delete_cookie(SESSION_COOKIE)
    return response
