"""Read situation documents (YAML or JSON, one situation or a list) into validated situations."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from protect.engine.errors import format_errors
from protect.engine.model import Situation


class SituationError(ValueError):
    """A situation document is malformed or invalid; `problems` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def parse_document(text: str) -> Any:
    """Parse YAML (a superset of JSON); a syntax error names its line and column."""
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"
        raise SituationError([f"{where}: malformed YAML/JSON: {exc.problem}"]) from None
    except yaml.YAMLError as exc:
        raise SituationError([f"document: malformed YAML/JSON: {exc}"]) from None


def validate_situations(data: Any) -> tuple[list[Situation], bool]:
    """Validate one situation or a list of them; returns (situations, was_a_list).

    Every problem of every situation is collected before failing, each prefixed by its index
    when the document is a list.
    """
    if isinstance(data, list):
        if not data:
            raise SituationError(["(document): the list of situations is empty"])
        out, problems = [], []
        for i, item in enumerate(data):
            try:
                out.append(Situation.model_validate(item))
            except ValidationError as exc:
                problems += format_errors(exc, prefix=(i,))
        if problems:
            raise SituationError(problems)
        return out, True
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise SituationError(
            [f"(document): expected a situation (a mapping) or a list, got {kind}"]
        )
    try:
        return [Situation.model_validate(data)], False
    except ValidationError as exc:
        raise SituationError(format_errors(exc)) from None


def load_situations(text: str) -> tuple[list[Situation], bool]:
    return validate_situations(parse_document(text))
