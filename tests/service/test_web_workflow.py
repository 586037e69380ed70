"""Issue 13, item 3: the assessment workflow on the web. The wizard (step by step, without
JavaScript), saving, re-assessing, annotating and comparing saved assessments, the audit log,
users and tokens; who may do what; CSRF on every form; the session cookie on the JSON twins.
Each test runs on SQLite and, with PROTECT_TEST_POSTGRES_URL, on PostgreSQL."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from markupsafe import escape

from protect.engine.model import Situation
from protect.service import assessments
from protect.service.roles import local_operator
from protect.storage import Database

from .conftest import SUDAN_2004, Tokens, csrf_token

DARFUR = {
    "name": "Darfur",
    "country": "SDN",
    "date": "2004-07-01",
    "armed_conflict": "non-international",
    "state_role": "perpetrator",
    "atrocities.crimes-against-humanity": "ongoing",
    "atrocities.war-crimes": "ongoing",
}


def _login(client: TestClient, name: str, token: str) -> None:
    form = {"name": name, "token": token, "csrf_token": csrf_token(client)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def _step(client: TestClient, step: str, go: str, **values: str) -> Any:
    data = {"csrf_token": csrf_token(client, "/assess"), "step": step, "go": go, **values}
    return client.post("/assess", data=data, follow_redirects=False)


def _shown_step(html: str) -> str:
    found = re.search(r'<fieldset data-step="([a-z_]+)"', html)
    assert found, "no wizard step on the page"
    return found.group(1)


def _hidden(html: str) -> dict[str, str]:
    return {
        m.group(1): unescape(m.group(2))
        for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
        if m.group(1) not in ("csrf_token", "step")
    }


def _saved(database: Database) -> int:
    return assessments.list_assessments(database, local_operator(), all_versions=True).total


# ---- the wizard ---------------------------------------------------------------------------


def test_the_wizard_walks_its_steps_with_form_posts_and_keeps_the_answers(
    client: TestClient,
) -> None:
    first = client.get("/assess")
    assert first.status_code == 200 and _shown_step(first.text) == "where"
    # Country names with their codes, and help text from the model's descriptions.
    assert '<option value="SDN">Sudan (SDN)</option>' in first.text
    assert '<option value="YUG">' in first.text  # former states are offered too
    for field in ("country", "date"):
        description = Situation.model_fields[field].description
        assert description and str(escape(description)) in first.text

    # A bad date stops the wizard on its own step, with the message next to the field.
    bad = _step(client, "where", "next", country="SDN", date="2004-02-30")
    assert bad.status_code == 422 and _shown_step(bad.text) == "where"
    assert "<code>date</code>" in bad.text and 'value="2004-02-30"' in bad.text

    # The required fields of later steps are not asked for yet.
    crimes = _step(client, "where", "next", country="SDN", date="2004-07-01", name="Darfur")
    assert crimes.status_code == 200 and _shown_step(crimes.text) == "crimes"
    carried = {k: v for k, v in _hidden(crimes.text).items() if v != "none"}
    assert carried == {"country": "SDN", "date": "2004-07-01", "name": "Darfur"}
    answers = {**_hidden(crimes.text), "atrocities.crimes-against-humanity": "ongoing"}
    conflict = _step(client, "crimes", "next", **answers)
    assert _shown_step(conflict.text) == "conflict"
    answers = _hidden(conflict.text)
    assert answers["atrocities.crimes-against-humanity"] == "ongoing"
    # ... but they are on their own step.
    missing = _step(client, "conflict", "next", **answers)
    assert missing.status_code == 422 and _shown_step(missing.text) == "conflict"
    assert "<code>armed_conflict</code>" in missing.text
    assert "<code>state_role</code>" in missing.text
    back = _step(client, "conflict", "back", **answers)
    assert _shown_step(back.text) == "crimes"
    assert 'name="atrocities.crimes-against-humanity"' in back.text
    assert '<option value="ongoing" selected>' in back.text

    answers.update(armed_conflict="non-international", state_role="perpetrator")
    page = _step(client, "conflict", "next", **answers)
    for step in ("harm", "council", "in_place"):
        assert _shown_step(page.text) == step
        page = _step(client, step, "next", **_hidden(page.text))
    assert _shown_step(page.text) == "review"
    assert "Sudan (SDN), as of 2004-07-01" in page.text

    # Assessing gives the document of POST /api/v1/assess, and stores nothing.
    result = _step(client, "review", "assess", **_hidden(page.text))
    assert result.status_code == 200
    api = client.post(
        "/api/v1/assess",
        json={**SUDAN_2004, "atrocities": {"crimes-against-humanity": "ongoing"}},
    ).json()
    assert f"<h2>Stage: {api['stage']}</h2>" in result.text
    available = sum(1 for m in api["measures"] if m["available"])
    assert f"{available} of {len(api['measures'])} available" in result.text
    assert "Log in</a> as an analyst to save" in result.text
    assert 'action="/assess/save"' not in result.text


def test_measures_in_place_are_chosen_by_name(client: TestClient) -> None:
    page = client.get("/assess?step=in_place")
    assert 'name="in_place" value="commission-of-inquiry"' in page.text
    result = client.post(
        "/assess",
        data={
            **DARFUR,
            "in_place": ["commission-of-inquiry", "icc-referral"],
            "csrf_token": csrf_token(client, "/assess"),
        },
    )
    assert result.status_code == 200
    assert 'data-in-place="commission-of-inquiry,icc-referral"' in result.text
    assert (
        "Already in place: Commission of inquiry, Referral of a situation to the International "
        "Criminal Court." in result.text
    )


# ---- save, re-assess, annotate, compare ------------------------------------------------------


def test_an_analyst_saves_reassesses_annotates_and_compares(
    client: TestClient, tokens: Tokens, database: Database
) -> None:
    _login(client, "ana", tokens.analyst)
    result = client.post("/assess", data={**DARFUR, "csrf_token": csrf_token(client, "/assess")})
    assert 'action="/assess/save"' in result.text
    form = _hidden(result.text.split('action="/assess/save"', 1)[1])
    saved = client.post(
        "/assess/save",
        data={**form, "csrf_token": csrf_token(client, "/assess")},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    first_id = int(saved.headers["location"].rsplit("/", 1)[1])
    record = client.get(f"/api/v1/assessments/{first_id}", headers=tokens.header("viewer"))
    assert record.json()["created_by"] == "ana" and record.json()["name"] == "Darfur"
    assert record.json()["situation"]["atrocities"]["war-crimes"] == "ongoing"

    page = client.get(f"/assessments/{first_id}")
    assert "Re-assess with today's rules" in page.text
    assert f'action="/assessments/{first_id}/annotations"' in page.text
    again = client.post(
        f"/assessments/{first_id}/reassess",
        data={"csrf_token": csrf_token(client, "/")},
        follow_redirects=False,
    )
    assert again.status_code == 303
    second_id = int(again.headers["location"].rsplit("/", 1)[1])
    history = client.get(f"/api/v1/assessments/{second_id}/history").json()
    assert [v["version"] for v in history] == [1, 2]
    assert history[1]["id"] == second_id

    note = client.post(
        f"/assessments/{second_id}/annotations",
        data={"text": "Checked <b>against</b> the panel report.", "csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert note.status_code == 303
    shown = client.get(f"/assessments/{second_id}")
    assert "Checked &lt;b&gt;against&lt;/b&gt; the panel report." in shown.text
    blank = client.post(
        f"/assessments/{second_id}/annotations",
        data={"text": "   ", "csrf_token": csrf_token(client)},
    )
    assert blank.status_code == 422 and "needs some text" in blank.text

    # New facts through the API make a third version; the page compares any two side by side.
    third = client.post(
        f"/api/v1/assessments/{second_id}/reassess",
        json={**SUDAN_2004, "armed_conflict": "none"},
        headers=tokens.header("analyst"),
    ).json()
    assert (
        f'href="/assessments/{third["id"]}/diff?from=2&amp;to=3"'
        in client.get(f"/assessments/{third['id']}").text
    )
    api = client.get(
        f"/api/v1/assessments/{third['id']}/diff?against=1", headers=tokens.header("viewer")
    ).json()
    diff = client.get(f"/assessments/{first_id}/diff?from=1&to=3")
    assert diff.status_code == 200
    paths = re.findall(r'<tr data-path="([^"]+)"', diff.text)
    assert paths and sorted(paths) == sorted(unescape(c["path"]) for c in api["changes"])
    row = re.search(
        r'<tr data-path="situation.armed_conflict" class="changed">.*?</tr>', diff.text, re.S
    )
    assert row and "<del>non-international</del>" in row.group(0)
    assert "<ins>none</ins>" in row.group(0)
    # The same diff as CSV, and the JSON twin with the page's from/to.
    twin = client.get(f"/api/v1/assessments/{first_id}/diff?from=1&to=3").json()
    assert twin == api
    assert client.get(f"/assessments/{first_id}/diff?from=1&to=9").status_code == 404
    assert _saved(database) == 3


def test_a_viewer_reads_but_cannot_save_reassess_or_annotate(
    client: TestClient, tokens: Tokens, database: Database
) -> None:
    saved = client.post(
        "/api/v1/assessments", json=SUDAN_2004, headers=tokens.header("analyst")
    ).json()
    _login(client, "vic", tokens.viewer)
    result = client.post("/assess", data={**DARFUR, "csrf_token": csrf_token(client, "/assess")})
    assert 'action="/assess/save"' not in result.text
    assert "Saving needs the analyst role" in result.text
    token = csrf_token(client, "/assess")
    refused = client.post("/assess/save", data={**DARFUR, "csrf_token": token})
    assert refused.status_code == 403
    assert "logged in as vic, whose role (viewer) may not do this" in refused.text
    page = client.get(f"/assessments/{saved['id']}")
    assert page.status_code == 200
    assert "Re-assess" not in page.text and 'name="text"' not in page.text
    for path, data in (
        (f"/assessments/{saved['id']}/reassess", {}),
        (f"/assessments/{saved['id']}/annotations", {"text": "a note"}),
    ):
        answer = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        assert answer.status_code == 403, path
    assert _saved(database) == 1
    assert client.get(f"/api/v1/assessments/{saved['id']}/annotations").json() == []
    # The page's tables download as CSV, for the viewer too.
    history = client.get(f"/assessments/{saved['id']}.csv?table=versions")
    assert history.status_code == 200 and history.headers["content-type"].startswith("text/csv")
    header, row = history.text.splitlines()[:2]
    assert "version" in header.split(",") and "vic" not in row and "ana" in row


def test_signed_out_writes_go_to_the_login_page(client: TestClient, tokens: Tokens) -> None:
    token = csrf_token(client, "/assess")
    for path in ("/assess/save", "/assessments/1/reassess", "/users", "/me/token"):
        answer = client.post(path, data={**DARFUR, "csrf_token": token}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login", path
    for path in ("/assessments/1", "/audit", "/users", "/me"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login", path


def test_forms_without_the_pages_token_change_nothing(
    client: TestClient, tokens: Tokens, database: Database
) -> None:
    _login(client, "ada", tokens.admin)
    csrf_token(client, "/assess")
    for path, data in (
        ("/assess/save", DARFUR),
        ("/users", {"name": "mallory", "role": "admin"}),
        ("/users/vic/revoke", {}),
        ("/me/token", {}),
    ):
        answer = client.post(path, data={**data, "csrf_token": "x" * 43})
        assert answer.status_code == 403, path
        assert "did not come from a page of this site" in answer.text
    # Another site's form, even with a matching token, is refused by its Origin.
    token = csrf_token(client, "/assess")
    cross = client.post(
        "/assess/save",
        data={**DARFUR, "csrf_token": token},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert cross.status_code == 403
    assert _saved(database) == 0
    names = {u["name"]: u["active"] for u in client.get("/api/v1/users").json()}
    assert "mallory" not in names and names["vic"] is True
    assert client.get("/me").status_code == 200  # the session still stands


# ---- the session cookie on the JSON twins ----------------------------------------------------


def test_the_session_cookie_reads_the_json_twins_but_never_writes(
    client: TestClient, tokens: Tokens
) -> None:
    saved = client.post(
        "/api/v1/assessments", json=SUDAN_2004, headers=tokens.header("analyst")
    ).json()
    assert client.get(f"/api/v1/assessments/{saved['id']}").status_code == 401
    _login(client, "ana", tokens.analyst)
    page = client.get(f"/assessments/{saved['id']}")
    json_link = re.search(r'JSON: <a href="([^"]+)"', page.text)
    assert json_link and json_link.group(1) == f"/api/v1/assessments/{saved['id']}"
    by_cookie = client.get(json_link.group(1))
    assert by_cookie.status_code == 200
    by_token = client.get(json_link.group(1), headers=tokens.header("viewer"))
    assert by_cookie.json() == by_token.json()
    for path in (
        "/api/v1/assessments",
        f"/api/v1/assessments/{saved['id']}/history",
        f"/api/v1/assessments/{saved['id']}/annotations",
        "/api/v1/me",
    ):
        assert client.get(path).status_code == 200, path
    # The audit log is for administrators, by cookie as by token.
    for path in ("/api/v1/audit", "/api/v1/audit/verify"):
        assert client.get(path).status_code == 403, path
    assert client.get("/api/v1/me").json()["name"] == "ana"
    # Writes through the API take a token: the cookie alone does not save or annotate.
    assert client.post("/api/v1/assessments", json=SUDAN_2004).status_code == 401
    note = client.post(f"/api/v1/assessments/{saved['id']}/annotations", json={"text": "x"})
    assert note.status_code == 401


# ---- the audit log, users and tokens ---------------------------------------------------------


def test_the_audit_page_shows_filters_pages_and_verifies_the_chain(
    client: TestClient, tokens: Tokens
) -> None:
    for _ in range(3):
        client.post("/api/v1/assessments", json=SUDAN_2004, headers=tokens.header("analyst"))
    _login(client, "ada", tokens.admin)
    api = client.get("/api/v1/audit", headers=tokens.header("admin")).json()
    page = client.get("/audit")
    assert page.status_code == 200
    assert 'data-intact="true"' in page.text
    verify = client.get("/api/v1/audit/verify", headers=tokens.header("admin")).json()
    assert verify["head"] in page.text and f"{verify['entries']} entries" in page.text
    assert [
        int(x) for x in re.findall(r"<tr data-action=\"[^\"]+\">\n<td>(\d+)</td>", page.text)
    ] == [e["id"] for e in api["items"]]
    mine = client.get("/audit?actor=ana&action=assessment.save")
    assert re.findall(r'<tr data-action="([^"]+)">', mine.text) == ["assessment.save"] * 3
    paged = client.get("/audit?limit=2")
    assert len(re.findall(r"<tr data-action=", paged.text)) == 2
    assert 'href="/audit?limit=2&amp;offset=2">Older</a>' in paged.text
    bad = client.get("/audit?actor=a%20b")
    assert bad.status_code == 422 and "Actor: String should match pattern" in bad.text


def test_an_admin_adds_revokes_and_rotates_users_and_others_get_a_403_page(
    client: TestClient, tokens: Tokens
) -> None:
    _login(client, "ana", tokens.analyst)
    assert "Users</a>" not in client.get("/").text
    refused = client.get("/users")
    assert refused.status_code == 403 and "admin" in refused.text
    assert "<h1>Not available</h1>" in refused.text
    post = client.post(
        "/users", data={"name": "x", "role": "admin", "csrf_token": csrf_token(client)}
    )
    assert post.status_code == 403

    _login(client, "ada", tokens.admin)
    nav = client.get("/").text
    assert 'href="/users">Users</a>' in nav and 'href="/audit">Audit</a>' in nav
    added = client.post(
        "/users", data={"name": "bea", "role": "analyst", "csrf_token": csrf_token(client)}
    )
    assert added.status_code == 200
    token = re.search(r'<code class="token" id="new-token">([^<]+)</code>', added.text)
    assert token, "the new token is shown"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert me.json()["role"] == "analyst"
    assert "new-token" not in client.get("/users").text  # shown once only
    taken = client.post(
        "/users", data={"name": "bea", "role": "viewer", "csrf_token": csrf_token(client)}
    )
    assert taken.status_code == 409 and "already exists" in taken.text

    rotated = client.post("/users/bea/token", data={"csrf_token": csrf_token(client)})
    new = re.search(r'<code class="token" id="new-token">([^<]+)</code>', rotated.text)
    assert new and new.group(1) != token.group(1)
    old = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert old.status_code == 401

    revoked = client.post(
        "/users/bea/revoke", data={"csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert revoked.status_code == 303
    listed = {u["name"]: u["active"] for u in client.get("/api/v1/users").json()}
    assert listed["bea"] is False
    assert re.search(r'<tr data-user="bea">.*?revoked', client.get("/users").text, re.S)


def test_a_user_replaces_their_own_token_and_logs_in_again(
    client: TestClient, tokens: Tokens
) -> None:
    _login(client, "vic", tokens.viewer)
    me = client.get("/me")
    assert me.status_code == 200 and "Role: viewer" in me.text
    assert "Users</a>" not in me.text and 'href="/audit">Audit</a>' not in me.text
    rotated = client.post("/me/token", data={"csrf_token": csrf_token(client)})
    new = re.search(r'<code class="token" id="new-token">([^<]+)</code>', rotated.text)
    assert new
    assert client.get("/assessments", follow_redirects=False).status_code == 303  # logged out
    _login(client, "vic", new.group(1))
    assert client.get("/me").status_code == 200


def test_navigation_follows_the_role(client: TestClient, tokens: Tokens) -> None:
    anonymous = client.get("/").text
    for link in ('href="/assessments"', 'href="/audit"', 'href="/users"'):
        assert link not in anonymous.split("</nav>")[0], link
    _login(client, "vic", tokens.viewer)
    viewer = client.get("/").text.split("</nav>")[0]
    assert 'href="/assessments"' in viewer and 'href="/users"' not in viewer


# ---- changing the facts of a saved assessment ------------------------------------------------


def _situations() -> list[dict[str, Any]]:
    """Every situation of the bundled examples and of the historical cases."""
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    found: list[dict[str, Any]] = []
    for path in sorted((root / "src" / "protect" / "examples").glob("*.yaml")):
        found.append(yaml.safe_load(path.read_text(encoding="utf-8")))
    for path in sorted((root / "tests" / "cases").glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in entries if isinstance(entries, list) else [entries]:
            found.append(entry["situation"])
    return found


def test_saved_facts_fill_the_wizard_and_come_back_unchanged() -> None:
    """Every bundled and historical situation, stored as a save stores it, fills the form and
    makes the same situation again; what the form cannot hold is refused by name, never lost."""
    from protect.service.errors import InvalidInputError
    from protect.web.workflow_pages import form_from_situation, situation_payload

    same = refused = 0
    for raw in _situations():
        original = Situation.model_validate(raw)
        facts = original.model_dump(mode="json", by_alias=True, exclude_unset=True)
        try:
            values = form_from_situation(facts)
        except InvalidInputError as exc:
            assert "perpetrators" in exc.message, exc.message
            refused += 1
            continue
        again = Situation.model_validate(situation_payload(values))
        assert again.model_dump(mode="json") == original.model_dump(mode="json"), facts
        same += 1
    assert same >= 100 and refused <= same // 10, (same, refused)


def test_a_crime_with_several_periods_fills_the_wizard_and_a_comma_in_a_name_is_refused(
    client: TestClient, tokens: Tokens
) -> None:
    """The facts may give a crime more than one period (two waves of killing): the form holds
    the first in its date fields and the others one a line, and the same facts come back."""
    from protect.web.workflow_pages import form_from_situation, situation_payload

    two_periods = {
        **SUDAN_2004,
        "atrocities": {
            "genocide": {
                "status": "past",
                "committed": [{"from": "2003-01-01", "to": "2003-06-30"}, {"from": "2004-01-01"}],
            }
        },
    }
    values = form_from_situation(two_periods)
    assert values["committed.genocide.from"] == "2003-01-01"
    assert values["committed.genocide.more"] == "2004-01-01 to"
    again = Situation.model_validate(situation_payload(values))
    assert again == Situation.model_validate(two_periods)

    comma = {**SUDAN_2004, "perpetrators": [{"kind": "non-state", "name": "Group A, B wing"}]}
    ids = [
        client.post("/api/v1/assessments", json=facts, headers=tokens.header("analyst")).json()[
            "id"
        ]
        for facts in (two_periods, comma)
    ]
    _login(client, "ana", tokens.analyst)
    first = client.get(f"/assess?edit={ids[0]}")
    assert first.status_code == 200
    assert _hidden(first.text)["committed.genocide.more"] == "2004-01-01 to"
    # On the crimes step the further periods are a text box; the review lists them.
    answers = {**values, "post_conflict": "", "committed.genocide.more": "2004-01-01 to"}
    answers = {k: v for k, v in answers.items() if v not in (False, "")}
    crimes = _step(client, "where", "next", **answers)
    assert _shown_step(crimes.text) == "crimes"
    assert ">2004-01-01 to</textarea>" in crimes.text
    review = _step(client, "in_place", "next", **answers)
    assert _shown_step(review.text) == "review" and "(also 2004-01-01 to)" in review.text
    result = _step(client, "review", "assess", **answers)
    api = client.post("/api/v1/assess", json=two_periods).json()
    assert result.status_code == 200 and f"<h2>Stage: {api['stage']}</h2>" in result.text
    # A line that is not a period is named with its place, on the crimes step.
    wrong = _step(
        client, "review", "assess", **{**answers, "committed.genocide.more": "early 2005"}
    )
    assert wrong.status_code == 422 and _shown_step(wrong.text) == "crimes"
    assert "committed[1]" in wrong.text and "early 2005" in wrong.text
    second = client.get(f"/assess?edit={ids[1]}")
    assert second.status_code == 422 and "Perpetrators[0].name" in second.text


def test_an_analyst_changes_the_facts_and_saves_the_next_version(
    client: TestClient, tokens: Tokens
) -> None:
    saved = client.post(
        "/api/v1/assessments", json=SUDAN_2004, headers=tokens.header("analyst")
    ).json()
    assert client.get(f"/assess?edit={saved['id']}", follow_redirects=False).status_code == 303
    _login(client, "ana", tokens.analyst)
    page = client.get(f"/assessments/{saved['id']}")
    assert f'href="/assess?edit={saved["id"]}&amp;step=review"' in page.text
    review = client.get(f"/assess?edit={saved['id']}&step=review")
    assert "Sudan (SDN), as of 2004-07-01" in review.text
    values = {**_hidden(review.text), "armed_conflict": "none"}
    assert values["edit"] == str(saved["id"])
    result = _step(client, "review", "assess", **values)
    assert f'formaction="/assessments/{saved["id"]}/reassess"' in result.text
    form = _hidden(result.text.split('action="/assess/save"', 1)[1])
    assert form["armed_conflict"] == "none"
    again = client.post(
        f"/assessments/{saved['id']}/reassess",
        data={**form, "csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert again.status_code == 303
    second = client.get(f"/api/v1{again.headers['location']}").json()
    assert second["version"] == 2 and second["case"] == saved["case"]
    assert second["situation"]["armed_conflict"] == "none"
    diff = client.get(f"/api/v1/assessments/{second['id']}/diff").json()
    assert {"path": "situation.armed_conflict", "before": "non-international", "after": "none"} in (
        diff["changes"]
    )
    # Bad facts bring the wizard back with the message; nothing is saved.
    bad = client.post(
        f"/assessments/{saved['id']}/reassess",
        data={**form, "date": "2004-13-01", "csrf_token": csrf_token(client)},
    )
    assert bad.status_code == 422 and "<code>date</code>" in bad.text
    history = client.get(f"/api/v1/assessments/{saved['id']}/history").json()
    assert len(history) == 2
