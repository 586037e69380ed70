"""Read situation documents (YAML or JSON, one situation or a list) into validated situations,
and write assessment documents as JSON (`assessment_json`).

The reader is built for hostile input: every document is read in memory and time bounded by its
size. Aliases may not expand it by more than `MAX_ALIAS_NODES` nodes (an alias bomb of a few
hundred bytes otherwise becomes billions of values), nesting stops at `MAX_DEPTH` levels, a key
given twice is an error, and an unquoted date that is not on the calendar (`2011-02-30`) is
reported against its field instead of failing inside the YAML library.
"""

from __future__ import annotations

import json
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, SequenceNode

from protect.engine.errors import field_path, format_errors, quote
from protect.engine.model import Assessment, Situation
from protect.knowledge.schema import Stage

MAX_DEPTH = 20
MAX_ALIAS_NODES = 10_000

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"


class SituationError(ValueError):
    """A situation document is malformed or invalid; `problems` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Refused(yaml.MarkedYAMLError):
    """Well-formed YAML that a situation document may not hold (a key twice, a bomb, ...)."""


def _refused(problem: str, mark: Any) -> _Refused:
    return _Refused(None, None, problem, mark)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the bounds above; one instance reads one document."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliased = 0
        self._sizes: dict[int, int] = {}  # id(node) -> number of nodes once aliases expand

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            target = self.anchors.get(event.anchor or "")
            if target is not None:
                size = self._sizes.get(id(target))
                if size is None:
                    raise _refused(
                        f"alias *{event.anchor} refers to a value that contains it",
                        event.start_mark,
                    )
                self._aliased += size
                if self._aliased > MAX_ALIAS_NODES:
                    raise _refused(
                        f"aliases (*name) would repeat more than {MAX_ALIAS_NODES} values; "
                        "write the values out instead",
                        event.start_mark,
                    )
            return super().compose_node(parent, index)
        nests = isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)
        if nests:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _refused(f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        node = super().compose_node(parent, index)
        if nests:
            self._depth -= 1
        size = 1
        if isinstance(node, SequenceNode):
            size += sum(self._sizes[id(item)] for item in node.value)
        elif isinstance(node, MappingNode):
            size += sum(self._sizes[id(k)] + self._sizes[id(v)] for k, v in node.value)
        self._sizes[id(node)] = size
        return node

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            # E.g. an integer of more digits than Python converts; said against its line.
            raise _refused(
                f"cannot read this value: {str(exc).split(':')[0]}", node.start_mark
            ) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            first_line: dict[Any, int] = {}
            for key_node, _value in node.value:
                if key_node.tag == _MERGE:
                    continue  # merged keys may be overridden: that is what a merge is for
                key = self.construct_object(key_node, deep=deep)
                try:
                    if key in first_line:
                        raise _refused(
                            f"key {quote(key)} is given twice "
                            f"(first on line {first_line[key] + 1})",
                            key_node.start_mark,
                        )
                    first_line[key] = key_node.start_mark.line
                except TypeError:
                    continue  # an unhashable key: the base class says so
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping

    def construct_yaml_timestamp(self, node: Node) -> Any:
        """A date or time as PyYAML reads it; one that does not exist stays the text it was
        written as, marked, so that it is reported against its field instead of failing here."""
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[arg-type]
        except (ValueError, OverflowError):
            return ImpossibleDate(self.construct_scalar(node))  # type: ignore[arg-type]


class ImpossibleDate(str):
    """An unquoted YAML date that is not on the calendar (`2011-02-30`), kept as its text."""

    __slots__ = ()


_Loader.add_constructor(_TIMESTAMP, _Loader.construct_yaml_timestamp)


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"


def parse_document(text: str) -> Any:
    """Parse YAML (a superset of JSON); a syntax error names its line and column."""
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except _Refused as exc:
        raise SituationError([f"{_where(exc.problem_mark)}: {exc.problem}"]) from None
    except yaml.MarkedYAMLError as exc:
        where = _where(exc.problem_mark)
        raise SituationError([f"{where}: malformed YAML/JSON: {exc.problem}"]) from None
    except yaml.YAMLError as exc:
        raise SituationError([f"document: malformed YAML/JSON: {exc}"]) from None
    finally:
        loader.dispose()
    unfit = unfit_values(data)
    if unfit:
        raise SituationError([f"{field_path(loc)}: {msg}" for loc, msg, _kind in unfit])
    return data


def unfit_values(
    data: Any, *, max_depth: int = MAX_DEPTH, forbid_nul: bool = False
) -> list[tuple[tuple[int | str, ...], str, str]]:
    """`(location, message, type)` for each place where parsed data is not fit to validate.

    Nesting deeper than `max_depth`; an unquoted YAML date that is not on the calendar (contract
    4.5: an error wherever it is); text that is not valid Unicode (a lone surrogate, which JSON
    and YAML escapes can write but no UTF-8 output can hold) or, with `forbid_nul`, holds a NUL
    character (which no database column stores). Walks without recursion, so any depth the
    parser let through is safe here.
    """
    problems: list[tuple[tuple[int | str, ...], str, str]] = []

    def check_text(text: str, loc: tuple[int | str, ...], what: str = "") -> None:
        if isinstance(text, ImpossibleDate):
            problems.append((loc, f"{what}{text} is not a real calendar date", "date_impossible"))
            return
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            problems.append(
                (
                    loc,
                    f"{what}is not valid UTF-8 text (lone surrogate at character {exc.start})",
                    "string_unicode",
                )
            )
        if forbid_nul and "\x00" in text:
            problems.append((loc, f"{what}must not contain NUL characters", "string_nul"))

    stack: list[tuple[Any, tuple[int | str, ...], int]] = [(data, (), 0)]
    while stack:
        value, loc, depth = stack.pop()
        if isinstance(value, str):
            check_text(value, loc)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth >= max_depth:
            problems.append((loc, f"nested deeper than {max_depth} levels", "too_deep"))
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    before = len(problems)
                    check_text(key, loc, "a key ")
                    if len(problems) > before:
                        continue  # said against the mapping: the key itself cannot be printed
                stack.append((item, (*loc, key if isinstance(key, str) else str(key)), depth + 1))
        else:
            stack.extend((item, (*loc, i), depth + 1) for i, item in enumerate(value))
    return sorted(problems, key=lambda p: field_path(p[0]))


def validate_situations(data: Any) -> tuple[list[Situation], bool]:
    """Validate one situation or a list of them; returns (situations, was_a_list).

    Every problem of every situation is collected before failing, each prefixed by its index
    when the document is a list.
    """
    unfit = unfit_values(data)
    if unfit:
        raise SituationError([f"{field_path(loc)}: {msg}" for loc, msg, _kind in unfit])
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


# --- writing assessments ---------------------------------------------------------------------


class _Written:
    """JSON already written, keyed by the identities of the parts it was written from.

    An entry holds its parts, so no other object can take their identities while it is kept:
    a key that matches is the same parts. Bounded by bytes (parts made for a single assessment
    only cost their room until the next clearing)."""

    def __init__(self, budget: int) -> None:
        self.budget, self.used = budget, 0
        self.kept: dict[object, tuple[object, bytes]] = {}

    def keep(self, key: object, parts: object, text: bytes) -> bytes:
        if self.used + len(text) > self.budget:
            self.kept.clear()
            self.used = 0
        self.kept[key] = (parts, text)
        self.used += len(text)
        return text


_PIECES = _Written(64 << 20)
_RUNS = _Written(64 << 20)


def _piece(part: BaseModel) -> bytes:
    """The JSON of one part the engine shares between assessments (a finding, a trace entry,
    the norms or the derived block: frozen, made once per rule result), written once."""
    held = _PIECES.kept.get(id(part))
    if held is not None:
        return held[1]
    return _PIECES.keep(id(part), part, part.model_dump_json().encode())


def _run(parts: list[Any] | tuple[Any, ...]) -> bytes:
    """The parts' JSON joined by commas; a run of the same parts (the measures of one body of
    rules, say) is joined once."""
    key = tuple(map(id, parts))
    held = _RUNS.kept.get(key)
    if held is not None:
        return held[1]
    return _RUNS.keep(key, tuple(parts), b",".join([_piece(p) for p in parts]))


def assessment_json(a: Assessment) -> bytes:
    """The assessment as compact JSON, the very bytes of `a.model_dump_json()`, made faster.

    Most of a document (about 100 kB) is parts the engine shares between assessments: measure,
    crime and tension findings, trace entries, the law that binds a state, each with its
    citations. Each is written once and spliced in; only what names the situation (its echo,
    the warnings, the summary, the first two trace entries) is written for each assessment.
    The tests compare the result with pydantic's for every bundled example and historical
    case."""
    trace = a.trace
    # The first two trace entries name the situation's country and date (`engine.assess`):
    # the rest is the body's, shared by every situation with the same facts and period.
    head, tail = trace[:2], trace[2:]
    return b"".join(
        (
            b'{"situation":',
            a.situation.model_dump_json().encode(),
            b',"derived":',
            _piece(a.derived),
            b',"stage":',
            _STAGES[a.stage],
            b',"norms":',
            _piece(a.norms),
            b',"crimes":[',
            _run(a.crimes),
            b'],"measures":[',
            _run(a.measures),
            b'],"tensions":[',
            _run(a.tensions),
            b'],"warnings":[',
            b",".join([w.model_dump_json().encode() for w in a.warnings]),
            b'],"summary":',
            a.summary.model_dump_json().encode(),
            b',"trace":[',
            b",".join([*(_piece(t) for t in head), *((_run(tail),) if tail else ())]),
            b"]}",
        )
    )


_STAGES = {stage: json.dumps(stage).encode() for stage in get_args(Stage)}
