"""Property-based run over the OpenAPI schema: no input makes the server fail (no 5xx).

Schemathesis generates requests from `/openapi.json` (both valid and invalid ones) for every
operation and sends them to the app on each database backend, with an admin token so that the
write paths run too. Bounded: a few examples per operation and mode; the whole run stays well
under two minutes.
"""

from __future__ import annotations

from collections import Counter

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from .conftest import Tokens

MAX_EXAMPLES = 15


def test_no_server_errors_on_any_operation(app: FastAPI, tokens: Tokens) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = tokens.header("admin")
    # The risk forecast fits a model on the full source data sets (seconds per year): it has its
    # own test in test_data_routes.py instead of dozens of random years here.
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if op.path != "/api/v1/risk/forecast"
    ]
    assert len(operations) >= 15
    statuses: Counter[tuple[str, int]] = Counter()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: schemathesis.Case) -> None:
                response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
                statuses[(case.operation.label, response.status_code)] += 1

            try:
                run()
            except Unsatisfiable:
                # An operation without parameters or body has no invalid form to generate.
                assert mode is GenerationMode.NEGATIVE
    assert not [key for key in statuses if key[1] >= 500]
    assert statuses[("POST /api/v1/assess", 200)] > 0
    assert sum(n for (label, code), n in statuses.items() if code == 422) > 0
