"""`assess_many` shares an assessment's body between situations with the same facts, the same
reach of the Court and a date in one period (`Rulebook.periods`): this checks that nothing an
assessment holds changes inside a period except the words naming the date and the country, by
comparing `assess` from a cold start with `assess_many` after the same facts were assessed at the
period's first and last day, in another country."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from protect import Situation, assess, assess_many
from protect.engine import rules
from protect.engine.law import _timeline as law_timeline
from protect.engine.model import Atrocities
from protect.engine.rulebook import rulebook

from .test_properties import COUNTRIES, situations

ONE_DAY = dt.timedelta(days=1)


def _cold() -> None:
    """Forget every memo the engine keeps, so the next assessment is computed from scratch."""
    for fn in vars(rules).values():
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()
    rb = rulebook()
    for g in rb.groups:
        g.cache.clear()
    for cm in rb.measures:
        cm.cache.clear()


def _doc(s: Situation) -> dict[str, Any]:
    return assess(s).model_dump(mode="json")


def _period_ends(date: dt.date, *countries: str) -> tuple[dt.date, dt.date]:
    """The first and last day of `date`'s period: the rulebook's, cut where the law binding one
    of the countries changes (treaties, memberships, the Court's reach; contract v2)."""
    days = {d for c in countries for d in law_timeline(c)[0]}
    periods = sorted({*rulebook().periods, *days})
    i = bisect_right(periods, date)
    first = periods[i - 1] if i else dt.date(1900, 1, 1)
    last = periods[i] - ONE_DAY if i < len(periods) else dt.date(2100, 12, 31)
    return first, last


def _same_facts(s: Situation, country: str, date: dt.date) -> Situation:
    return s.model_copy(update={"country": country, "date": date, "name": "twin"})


def _check(s: Situation, twin_country: str) -> None:
    _cold()
    expected = _doc(s)
    for day in _period_ends(s.date, s.country, twin_country):
        _cold()
        for twin in (_same_facts(s, twin_country, day), _same_facts(s, s.country, day)):
            shared = assess_many([twin, s])[-1].model_dump(mode="json")
            assert shared == expected, f"{s.date} shares a period with {day} but differs"


@settings(max_examples=300, deadline=None)
@given(situations(), st.sampled_from(COUNTRIES))
def test_dates_of_one_period_share_everything_but_their_own_words(
    s: Situation, twin_country: str
) -> None:
    _check(s, twin_country)


def test_every_period_boundary() -> None:
    """The day before, of and after each boundary, for facts that reach many rules at once."""
    base = Situation.model_validate(
        {
            "country": "COD",
            "date": "2000-01-01",
            "armed_conflict": "non-international",
            "state_role": "perpetrator",
            "atrocities": {"crimes-against-humanity": "ongoing", "war-crimes": "ongoing"},
            "peacekeeping": {"present": True, "poc_mandate": True, "chapter_vii": True},
            "security_council": {"seized": True},
        }
    )
    quiet = base.model_copy(
        update={
            "armed_conflict": "none",
            "state_role": "protecting",
            "atrocities": Atrocities.model_validate({"crimes-against-humanity": "risk"}),
        }
    )
    for boundary in rulebook().periods:
        for day in (boundary - ONE_DAY, boundary, boundary + ONE_DAY):
            for facts in (base, quiet):
                _check(facts.model_copy(update={"date": day}), "NOR")


def test_a_period_holds_the_same_body_for_every_date() -> None:
    """The sharing is real: two dates of one period reuse one body, two periods do not."""
    _cold()
    s = Situation.model_validate(
        {"country": "SDN", "date": "2004-06-30", "armed_conflict": "non-international",
         "state_role": "perpetrator", "atrocities": {"crimes-against-humanity": "ongoing"}}
    )  # fmt: skip
    first, last = _period_ends(s.date, "SDN")
    a, b, c = assess_many(
        [
            _same_facts(s, "SDN", first),
            _same_facts(s, "SDN", last),
            _same_facts(s, "SDN", last + ONE_DAY),
        ]
    )
    assert a.norms is b.norms and a.trace[0] is not b.trace[0]
    assert a.trace[0].inputs["date"] == first.isoformat()
    assert c.norms is not b.norms
    # `assess` alone keeps nothing between calls.
    assert (
        assess(_same_facts(s, "SDN", first)).norms is not assess(_same_facts(s, "SDN", last)).norms
    )
