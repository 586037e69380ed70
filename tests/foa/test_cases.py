"""Three real assessments reconstructed from public reports, run through the whole workflow:
created, pre-filled from the real data, rated factor by factor with cited evidence, submitted,
reviewed by a second analyst and approved; then the conclusion is checked.

Every fact an analyst enters below is cited in a comment and carried as an evidence item with
its source and date. These are reconstructions: the ratings are this project's reading of the
public record (for Myanmar partly of reports published after the date, said so where used),
not the Special Advisers' own ratings, which are not public.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from protect.service import foa
from protect.storage import Database

from .conftest import ADA, ANA, RISK

DIENG_CAR_2013 = (
    "Statement of the Special Adviser on the Prevention of Genocide (Adama Dieng) to an "
    "Arria-formula meeting of the Security Council on the Central African Republic"
)
REUTERS_CAR_2013 = "Reuters, 'UN: CAR in danger of genocide', 1 November 2013"
DIENG_BDI_2015 = (
    "Statement of the Special Adviser on the Prevention of Genocide on his mission to Burundi"
)
ICRTOP_BDI_2015 = "ICRtoP, RtoP Weekly 27 April - 1 May 2015"
POWER_BDI_2015 = (
    "US Permanent Representative to the UN (Samantha Power), statement on violence and rhetoric"
    " in Burundi"
)
DIENG_MMR_2016 = (
    "Statement of the Special Adviser on the Prevention of Genocide on northern Rakhine State, "
    "Myanmar"
)
FFM_MMR_2018 = "Independent International Fact-Finding Mission on Myanmar, report A/HRC/39/64"
RI_MMR_2017 = "Refugees International, 'Bearing Witness to Crimes against Humanity' (policy brief)"


def ev(what: str, source: str, date: str, link: str | None = None) -> dict[str, Any]:
    return {"what": what, "source": source, "date": date, "link": link}


def rated(factor: int, rating: str, reasoning: str, *evidence: dict[str, Any]) -> dict[str, Any]:
    return {"factor": factor, "rating": rating, "reasoning": reasoning, "evidence": list(evidence)}


def accept(factor: int) -> dict[str, Any]:
    return {"factor": factor, "accept": True}


def _run(
    database: Database, events_db: Path, country: str, date: str, ratings: list[dict[str, Any]]
) -> foa.FoaRecord:
    record = foa.create(database, ANA, {"country": country, "date": date})
    record = foa.suggest(database, ANA, record.id, events_db=events_db, sources=RISK)
    record = foa.rate(database, ANA, record.id, {"ratings": ratings})
    assert all(f.rating is not None for f in record.factors), "every factor rated"
    record = foa.submit(database, ANA, record.id, {"note": "reconstruction from public reports"})
    return foa.review(database, ADA, record.id, {"decision": "approve", "comment": "checked"})


def _measures(record: foa.FoaRecord) -> dict[str, dict[str, foa.ProposedMeasure]]:
    return {g.actor: {m.id: m for m in g.measures} for g in record.conclusion.measures}


def test_myanmar_end_of_september_2017(database: Database, events_db: Path) -> None:
    ratings = [
        # 1: fighting after ARSA's attacks of 25 August 2017 and the army's "clearance
        # operations" (FFM A/HRC/39/64, 2018); the monitor's panel derives the conflict.
        accept(1),
        # 2: UCDP one-sided violence and EWP's ongoing mass killing (data); already in October-
        # November 2016 the Special Adviser reported allegations of extrajudicial executions,
        # rape and destruction of religious property by the military in northern Rakhine.
        rated(
            2,
            "high",
            "Violence against Rohingya civilians recorded in 2016 and 2017, unaddressed.",
            ev(
                "Allegations of extrajudicial executions, torture, rape and destruction of "
                "religious property after the October 2016 attacks",
                DIENG_MMR_2016,
                "2016-11",
            ),
        ),
        # 3: the military is outside civilian control under the 2008 Constitution (FFM 2018).
        rated(
            3,
            "high",
            "No effective civilian control of the security forces (3.4).",
            ev(
                "The Tatmadaw acts outside civilian oversight under the 2008 Constitution",
                FFM_MMR_2018,
                "2018-08",
            ),
        ),
        # 4: the Rohingya portrayed as foreign ("Bengali") and a threat (FFM 2018).
        rated(
            4,
            "high",
            "A group framed as a threat and as not belonging (4.5).",
            ev(
                "Rohingya described officially as illegal immigrants and a security threat",
                FFM_MMR_2018,
                "2018-08",
            ),
        ),
        # 5: army divisions moved to northern Rakhine in August 2017 (FFM 2018).
        rated(
            5,
            "high",
            "Personnel and means to deploy them (5.1-5.2).",
            ev(
                "Additional army troops deployed to northern Rakhine in August 2017, before 25 "
                "August",
                FFM_MMR_2018,
                "2018-08",
            ),
        ),
        # 6: the Fact-Finding Mission was refused entry (FFM 2018); no free access for aid.
        rated(
            6,
            "high",
            "Limited cooperation with human rights mechanisms (6.7); little international presence"
            " with access (6.4).",
            ev(
                "Myanmar did not let the Fact-Finding Mission, set up by HRC resolution 34/22 of "
                "24 March 2017, into the country",
                FFM_MMR_2018,
                "2018-08",
            ),
        ),
        # 7: more than half a million fled within a month; villages burned (RI, Oct 2017).
        rated(
            7,
            "high",
            "Forced displacement on a mass scale and destruction of villages (7.10, 7.11).",
            ev(
                "More than 500,000 Rohingya fled within about a month; villages burned by security"
                " forces and mobs",
                RI_MMR_2017,
                "2017-10",
            ),
        ),
        # 8: the 25 August 2017 attacks on police posts and the operations that followed.
        rated(
            8,
            "high",
            "Attacks by an armed group and a sudden deployment (8.1, 8.5).",
            ev(
                "Coordinated attacks by ARSA on police posts on 25 August 2017, followed by "
                "military 'clearance operations'",
                FFM_MMR_2018,
                "2018-08",
            ),
        ),
        # 9: EWP's discrimination figure (data); "deeply rooted discrimination" (Dieng, 2016).
        rated(
            9,
            "high",
            "Long-standing discrimination against the Rohingya (9.1, 9.2).",
            ev(
                "The violence takes place against deeply rooted discrimination and a failure to "
                "support coexistence in Rakhine State",
                DIENG_MMR_2016,
                "2016-11",
            ),
        ),
        # 10: at the date the record pointed to ethnic cleansing; the FFM later (2018) found
        # enough to warrant investigating genocidal intent: moderate, said so.
        rated(
            10,
            "moderate",
            "Signs of intent were disputed at the date; the FFM later (2018) found them sufficient"
            " to warrant an investigation for genocide.",
            ev(
                "Sufficient information to warrant investigation and prosecution of senior "
                "generals for genocide",
                FFM_MMR_2018,
                "2018-08",
            ),
        ),
        # 11: mass killing of civilians in the panel (data).
        accept(11),
        # 12: the operations were planned and led by the military command (FFM 2018).
        rated(
            12,
            "high",
            "Involvement of the military leadership and planning (12.5, 12.6).",
            ev(
                "The operations were planned and conducted under the command of the Tatmadaw",
                FFM_MMR_2018,
                "2018-08",
            ),
        ),
        # 13: civilians killed in the armed conflict (data).
        accept(13),
        # 14: aid access to northern Rakhine was cut after 25 August 2017 (RI, Oct 2017).
        rated(
            14,
            "moderate",
            "Humanitarian access to the affected areas restricted (14.4).",
            ev(
                "Humanitarian access to northern Rakhine severely limited after 25 August 2017",
                RI_MMR_2017,
                "2017-10",
            ),
        ),
    ]
    record = _run(database, events_db, "MMR", "2017-09-30", ratings)
    assert record.status == "approved"
    assert record.conclusion.category == "current-crisis"
    assert "11, 13" in record.conclusion.reasons[1]
    assert record.factors[0].origin == "accepted-suggestion"
    assert record.factors[1].origin == "analyst" and record.factors[1].suggestion is not None
    # The monitor's situation for September 2017 (crimes against humanity ongoing, the state a
    # perpetrator) opens the Security Council's measures; each is linked to a factor rated high.
    measures = _measures(record)
    council = measures["security-council"]
    assert {"commission-of-inquiry", "icc-referral", "arms-embargo", "targeted-sanctions"} <= set(
        council
    )
    assert council["icc-referral"].available  # Art. 13(b): the Council may refer any state
    high = set(record.conclusion.high_factors)
    assert all(set(m.factors) <= high for g in measures.values() for m in g.values())


def test_central_african_republic_end_of_november_2013(database: Database, events_db: Path) -> None:
    ratings = [
        # 1: the Séléka coalition seized power in March 2013 (Reuters, 1 Nov 2013); the panel
        # derives a non-international armed conflict from GED 23.1.
        accept(1),
        # 2: "serious and widespread violations ... committed with impunity" (Dieng, 1 Nov 2013).
        rated(
            2,
            "high",
            "Widespread violations committed with impunity (2.1, 2.3).",
            ev(
                "On-going serious and widespread violations of human rights committed with "
                "impunity against civilians",
                DIENG_CAR_2013,
                "2013-11-01",
            ),
        ),
        # 3: law enforcement had "essentially vanished" (Reuters, 1 Nov 2013).
        rated(
            3,
            "high",
            "State institutions collapsed outside the capital (3.2, 3.4).",
            ev("Law enforcement has essentially vanished", REUTERS_CAR_2013, "2013-11-01"),
        ),
        # 4: attacks framed by religion: Séléka against churches and Christians, reprisals
        # against Muslims (French ambassador Araud, Reuters, 1 Nov 2013).
        rated(
            4,
            "high",
            "Identity turned into a motive for revenge on both sides (4.7, 4.8).",
            ev(
                "Séléka attacks on churches and Christians; Christian self-defence militias "
                "retaliating against Muslims",
                REUTERS_CAR_2013,
                "2013-11-01",
            ),
        ),
        # 5: armed groups with arms and recruits on both sides (same reports).
        rated(
            5,
            "high",
            "Armed groups and militias able to act across the country (5.1, 5.3, 5.5).",
            ev(
                "Ex-Séléka fighters and new self-defence militias armed across the country",
                REUTERS_CAR_2013,
                "2013-11-01",
            ),
        ),
        # 6: EWP: media censored (data); UN presence thin, the Council had only approved troops
        # to protect UN personnel (Dieng, 1 Nov 2013).
        rated(
            6,
            "high",
            "Little international protection on the ground (6.4).",
            ev(
                "The Council approved troops only to protect UN personnel and facilities; the UN "
                "presence was more needed than ever",
                DIENG_CAR_2013,
                "2013-11-01",
            ),
        ),
        # 7: militias formed along religious lines; sectarian attacks increasing (Dieng, 2013).
        rated(
            7,
            "high",
            "Militias created and sectarian attacks increasing (7.5, 7.8).",
            ev("An increase in sectarian attacks across the country", DIENG_CAR_2013, "2013-11-01"),
        ),
        # 8: the irregular seizure of power in March 2013 (Reuters, 1 Nov 2013).
        rated(
            8,
            "high",
            "An irregular change of power (8.4).",
            ev(
                "The Séléka coalition forced out the President in March 2013",
                REUTERS_CAR_2013,
                "2013-11-01",
            ),
        ),
        # 9: Christian-Muslim tension (Dieng warned of "Christian communities, Muslim communities
        # killing each other", Reuters, 1 Nov 2013).
        rated(
            9,
            "high",
            "Tension between religious communities turned violent (9.4, 9.5).",
            ev(
                "Warning that Christian and Muslim communities would end up killing each other",
                REUTERS_CAR_2013,
                "2013-11-01",
            ),
        ),
        # 10: the Special Adviser would "not exclude the possibility of a genocide" (Reuters).
        rated(
            10,
            "moderate",
            "A risk of genocide named, not yet signs of intent.",
            ev(
                "The Special Adviser would not exclude the possibility of a genocide if the "
                "Council did not act decisively",
                REUTERS_CAR_2013,
                "2013-11-01",
            ),
        ),
        # 11 and 13: one-sided violence surging and civilians killed in the conflict (data).
        accept(11),
        rated(12, "unknown", "No public evidence of a plan or policy at the date."),
        accept(13),
        rated(14, "unknown", "Not documented in the reports used."),
    ]
    record = _run(database, events_db, "CAF", "2013-11-30", ratings)
    assert record.conclusion.category == "current-crisis"
    # In January 2014 the Special Adviser told the Council that the attacks constituted crimes
    # against humanity (statement of 22 January 2014): the category holds in hindsight.
    council = _measures(record)["security-council"]
    assert "poc-mandate" in council and "commission-of-inquiry" in council
    assert record.situation_source == "monitor (2013-11, machine-made)"


def test_burundi_end_of_november_2015(database: Database, events_db: Path) -> None:
    ratings = [
        # 1: protests after the ruling party named Nkurunziza for a third term on 25 April 2015
        # (ICRtoP, 1 May 2015), and the failed coup of 13 May 2015.
        rated(
            1,
            "high",
            "Political crisis over a contested third term, mass protest, a coup attempt (1.4, 1.5,"
            " 1.10).",
            ev(
                "The ruling party announced on 25 April 2015 that the President would run for a "
                "third term; protests and a brutal response followed",
                ICRTOP_BDI_2015,
                "2015-05-01",
            ),
        ),
        # 2: EWP: mass killing in the past, political killings approved (data, 2014); Burundi's
        # history of ethnic violence (Dieng, 30 May 2015).
        rated(
            2,
            "high",
            "A history of ethnic violence and current political killings (2.1, 2.2).",
            ev(
                "Given Burundi's history of ethnic violence, a high risk of atrocity crimes if the"
                " political crisis escalated",
                DIENG_BDI_2015,
                "2015-05-30",
            ),
        ),
        # 3: independent media silenced and the judiciary not a check (Dieng; ICRtoP).
        rated(3, "moderate", "Institutions did not restrain the executive (3.3, 3.6)."),
        # 4: keeping power (4.1).
        rated(
            4,
            "high",
            "The motive to keep power at any cost (4.1).",
            ev(
                "A third term seen as violating the constitution and the Arusha Agreement",
                ICRTOP_BDI_2015,
                "2015-05-01",
            ),
        ),
        # 5: the ruling party's youth wing, the Imbonerakure (ICRtoP, 1 May 2015).
        rated(
            5,
            "moderate",
            "A ruling-party militia able to intimidate (5.3, 5.5).",
            ev(
                "Threats and intimidation by the ruling party's youth wing, the Imbonerakure",
                ICRTOP_BDI_2015,
                "2015-05-01",
            ),
        ),
        # 6: independent radio banned; "absence of independent voices" (Dieng, 30 May 2015).
        rated(
            6,
            "high",
            "No independent media (6.2).",
            ev(
                "The absence of independent voices through non-State media was contributing to "
                "tensions",
                DIENG_BDI_2015,
                "2015-05-30",
            ),
        ),
        # 7: radio stations banned (Amnesty, via ICRtoP); the Senate president's speech of
        # 29 October 2015 ("pulverize", "exterminate") (Power, November 2015).
        rated(
            7,
            "high",
            "Media shut down and inflammatory rhetoric by senior officials (7.6, 7.14).",
            ev("Independent radio banned and protesters shot", ICRTOP_BDI_2015, "2015-05-01"),
            ev(
                "The Senate president's speech of 29 October 2015 urging forces to 'pulverize' and"
                " 'exterminate'",
                POWER_BDI_2015,
                "2015-11",
            ),
        ),
        # 8: the President's five-day ultimatum of 2 November 2015 for security forces to search
        # homes (Power, November 2015); disputed elections in mid-2015.
        rated(
            8,
            "high",
            "A deadline for a security crackdown, after contested elections (8.1, 8.8).",
            ev(
                "The President's speech of 2 November 2015 giving five days before security forces"
                " search homes",
                POWER_BDI_2015,
                "2015-11",
            ),
        ),
        # 9: violence "not exclusively on ethnic lines" but hate speech at a pro-government
        # rally raised the risk of ethnic tension (ICRtoP, 1 May 2015).
        rated(
            9,
            "moderate",
            "Political violence with a risk of turning ethnic (9.5).",
            ev(
                "Extreme hate speech at a pro-government rally deplored by the High Commissioner "
                "for Human Rights",
                ICRTOP_BDI_2015,
                "2015-05-01",
            ),
        ),
        rated(10, "low", "No signs of an intent to destroy a group at the date."),
        # 11: hundreds killed by government and opposition forces (Power, November 2015).
        rated(
            11,
            "moderate",
            "Killings of opponents, not yet widespread or systematic (11.1).",
            ev(
                "Escalating violence by government, loyalist militias and anti-government forces",
                POWER_BDI_2015,
                "2015-11",
            ),
        ),
        rated(
            12,
            "moderate",
            "An announced house-to-house security operation (12.2).",
            ev(
                "Security forces ordered to search homes for weapons and opposition figures",
                POWER_BDI_2015,
                "2015-11",
            ),
        ),
        rated(13, "low", "No armed conflict in the data; unrest and attacks short of it."),
        rated(14, "low", "No reported threats to humanitarian operations."),
    ]
    record = _run(database, events_db, "BDI", "2015-11-30", ratings)
    # Imminent risk: triggers and preparation rated high with at least three common factors
    # high, no crime-specific factor high; the Special Adviser's warning of 30 May 2015 was of
    # a political crisis that could escalate to a high risk of atrocity crimes.
    assert record.conclusion.category == "imminent-risk"
    assert any("7, 8" in r for r in record.conclusion.reasons)
    # No situation facts were given and the monitor does not cover Burundi: the conclusion says
    # so instead of proposing measures from invented facts.
    assert record.situation is None and record.conclusion.measures == []
    assert "No situation facts" in record.conclusion.measures_note
