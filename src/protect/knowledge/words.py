"""Plain words for the contract's ids, so that reasons and pages read as sentences.

The ids (`crimes-against-humanity`, `risk`, `attacks-on-civilians`) are fixed by the contract
and stay in the JSON; a legal adviser reads these words instead.
"""

from __future__ import annotations

from functools import cache

from protect.knowledge.base import kb

STATUS = {
    "none": "absent",
    "risk": "at risk",
    "imminent": "imminent",
    "ongoing": "ongoing",
    "past": "in the past",
}
HARM = {
    "attacks-on-civilians": "attacks on civilians",
    "mistreatment-hors-de-combat": "mistreatment of persons hors de combat",
    "sexual-violence": "sexual violence",
    "child-recruitment": "recruitment of children",
    "displacement": "displacement",
    "denial-of-humanitarian-access": "denial of humanitarian access",
}


@cache
def crime_name(crime: str) -> tuple[str, bool]:
    """The crime's name in running text and whether it takes a plural verb."""
    found = kb().crimes[crime]
    return found.title[0].lower() + found.title[1:], found.plural


def crime_clause(crime: str, status: str) -> str:
    """`crimes-against-humanity`, `ongoing` -> "crimes against humanity are ongoing"."""
    name, plural = crime_name(crime)
    if status == "risk":
        return f"there is a risk of {name}"
    if status == "past":
        return f"{name} {'were' if plural else 'was'} committed in the past"
    if status == "none":
        return f"no {name} {'are' if plural else 'is'} entered"
    return f"{name} {'are' if plural else 'is'} {STATUS.get(status, status)}"


def statuses(values: tuple[str, ...] | list[str]) -> list[str]:
    return [STATUS.get(v, v) for v in values]


@cache
def actor_name(actor: str) -> str:
    """The actor in running text after "the": `security-council` -> "UN Security Council",
    `state` -> "territorial state"."""
    found = kb().actors.get(actor)
    if found is None:
        return actor
    title = found.title
    keep = title.split()[0] in ("UN", "International")
    return title if keep else title[0].lower() + title[1:]
