"""Collect every `tests/cases/*.yaml` file as tests: one test item per historical case.

`pytest tests/cases` runs them all; `pytest tests/cases/1994-rwanda.yaml` runs one file. A failure
names the file, the case and each expected key that differed, in plain words, with the engine's
own reason for a measure; a case file that cannot be read fails as an item of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import Case, CaseError, check, load_cases, report


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix in {".yaml", ".yml"} and file_path.parent == Path(__file__).parent:
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            cases = load_cases(self.path)
        except CaseError as exc:
            yield BrokenCaseFile.from_parent(self, name="(case file)", problem=str(exc))
            return
        seen: set[str] = set()
        for case in cases:
            name = case.name if case.name not in seen else f"{case.name} ({len(seen)})"
            seen.add(name)
            yield CaseItem.from_parent(self, name=name, case=case)


class CaseFailedError(Exception):
    """Raised with a finished plain-words report, shown without a traceback."""


class _PlainFailure(pytest.Item):
    """A case failure is reported in plain words, without a traceback."""

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str:
        if isinstance(excinfo.value, CaseFailedError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style))


class CaseItem(_PlainFailure):
    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        try:
            mismatches = check(self.case)
        except CaseError as exc:
            raise CaseFailedError(f"{self.path.name}: case {self.case.name!r}: {exc}") from None
        if mismatches:
            raise CaseFailedError(report(self.path, self.case, mismatches))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"case: {self.name}"


class BrokenCaseFile(_PlainFailure):
    def __init__(self, *, problem: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problem = problem

    def runtest(self) -> None:
        raise CaseFailedError(f"cannot read the case file: {self.problem}")

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, "case file"
