"""Each person's memberships, decided with their other facts in the people workers.

The federations' default rules (migration members 0002) decide who belongs, with the
shares below for how far each reaches in practice: the union takes the employees of units
that have a union (18 to 60 here, the working age); the Youth League over half of those 14
to 27 (China's League counts some 75 M members among 14–28 year-olds), and those who
reached 28 left it as 超龄离籍; the women's federation nearly every woman of 18 or more; the
disabled persons' federation the certificate holders (see people.py); the Red Cross half
of the volunteers, the science association a few farmers, herders and employees.

As `person_enroll` does, a membership sits in the employer's branch of the federation when
there is one, else at the federation's unit nearest the residence: the township's, or for
some older imported records the county's. Some people changed employer or township: their
earlier membership is `transferred` and the active one points at it (`transferred_from`).
One active membership per person and federation always holds: each federation is
considered once per person.
"""

from __future__ import annotations

import datetime as dt

UNION_AGES = (18, 60)
LEAGUE_AGES = (14, 28)
LEAGUE_SHARE = 0.6
LEAGUE_AGED_OUT_SHARE = 0.35  # of those 28 to 35: members once, then 超龄离籍
WOMEN_SHARE = 0.9
DISABLED_SHARE = 0.95
RED_CROSS_SHARE = 0.5  # of volunteers
SCIENCE_SHARE = 0.08  # of farmers, herders and employees 25 to 60
LAPSED_SHARE = 0.03  # of union memberships: left the union (the unit closed, retired early)
TRANSFERRED_SHARE = 0.06  # of union and women's memberships: moved from another branch or township
AT_COUNTY_SHARE = 0.2  # residence memberships kept at the county's unit (older imports)
RULE_SHARE, IMPORT_SHARE = 0.7, 0.95  # cumulative: 70 % by the rules, 25 % imported, 5 % by hand
RULE_NOTES = {
    "union": "规则：有工会组织的单位职工",
    "youth_league": "规则：14 至 28 周岁青年",
    "women": "规则：18 周岁以上妇女",
    "disabled": "规则：持证残疾人",
}
AGED_OUT_NOTE = f"年满 {LEAGUE_AGES[1]} 岁，超出共青团年龄上限"
EARLIEST = dt.date(2010, 1, 1).toordinal()
NULL = "\\N"

# Person flags, shared with people.py.
FEMALE, EMPLOYED, DISABLED, VOLUNTEER, STUDENT, FARMER, RETIRED = 1, 2, 4, 8, 16, 32, 64


def _birthday(birth: dt.date, years: int) -> int:
    try:
        return birth.replace(year=birth.year + years).toordinal()
    except ValueError:  # 29 February
        return birth.replace(year=birth.year + years, day=28).toordinal()


class MembershipWriter:
    """Appends COPY lines (without id) of members_membership to one chunk's list.

    Ids come from the sequence in COPY order; a transfer names the earlier line of the same
    chunk as `@index`, which the loader turns into its id.
    """

    def __init__(self, world, rng, lines: list[str]):
        self.world, self.rng, self.lines = world, rng, lines
        self.random = rng.random
        self.as_of = world.as_of_ordinal
        self.iso = world.iso_dates  # ordinal - world.iso_base → "YYYY-MM-DD", read a million times
        self.iso_base = world.iso_base
        self.federation_ids = world.federation_ids
        self.official = world.official

    def _iso(self, ordinal: int) -> str:
        return self.iso[ordinal - self.iso_base]

    def _joined(self, low: int, high: int) -> int:
        low = max(low, EARLIEST)
        return high if low >= high else low + int(self.random() * (high - low))

    def _residence(self, code: str, township: int, county: int) -> int:
        place = county if self.random() < AT_COUNTY_SHARE else township
        return self.official.get((code, place)) or self.official[(code, county)]

    def add(self, person, code, organization_id, joined, status="active", ended=None, previous=None) -> int:
        draw = self.random()
        source = "rule" if draw < RULE_SHARE else "import" if draw < IMPORT_SHARE else "manual"
        note = RULE_NOTES.get(code, "") if source == "rule" and previous is None else ""
        if status == "aged_out":
            note = AGED_OUT_NOTE
        stamp = person.stamp
        updated = f"{self._iso(ended)} 18:00:00+08" if ended else stamp
        self.lines.append(
            f"{stamp}\t{updated}\t{person.id}\t{organization_id}\t{self.federation_ids[code]}\t{status}\t"
            f"{self._iso(joined)}\t{self._iso(ended) if ended else NULL}\t{source}\t{note}\t"
            f"{NULL if previous is None else f'@{previous}'}\n"
        )
        return len(self.lines) - 1

    def _with_history(self, person, code: str, organization_id: int, joined: int) -> None:
        """An active membership; sometimes after a transfer from another branch or township."""
        if self.random() < TRANSFERRED_SHARE and joined + 60 < self.as_of:
            if code == "union":
                host = person.county_world.draw_employer(self.random())
                other = host.branches.get("union") if host is not None else None
            else:
                township = self.rng.choice(self.world.townships_of[person.county])
                other = self._residence(code, township, person.county)
            if other is not None and other != organization_id:
                moved = joined + 30 + int(self.random() * (self.as_of - joined - 30))
                old = self.add(person, code, other, joined, "transferred", moved)
                self.add(person, code, organization_id, moved, previous=old)
                return
        self.add(person, code, organization_id, joined)

    def person(self, person) -> None:
        """All of one person's memberships (person: id, stamp, birth, age, flags, employer, township, county)."""
        random, as_of = self.random, self.as_of
        age, flags, birth = person.age, person.flags, person.birth
        born = birth.toordinal()
        township, county = person.township, person.county
        branches = person.employer.branches if person.employer is not None else {}
        # Eligibility from an age: the birthday's ordinal within a day (exact where it is the record's point).
        if flags & EMPLOYED and UNION_AGES[0] <= age < UNION_AGES[1] and "union" in branches:
            joined = self._joined(born + 6575, as_of)  # 18 years
            if random() < LAPSED_SHARE and joined < as_of:
                self.add(
                    person, "union", branches["union"], joined, "lapsed", joined + int(random() * (as_of - joined))
                )
            else:
                self._with_history(person, "union", branches["union"], joined)
        if LEAGUE_AGES[0] <= age < LEAGUE_AGES[1] and random() < LEAGUE_SHARE:
            unit = branches.get("youth_league") or self._residence("youth_league", township, county)
            self.add(person, "youth_league", unit, self._joined(born + 5114, as_of))  # 14 years
        elif LEAGUE_AGES[1] <= age < 36 and random() < LEAGUE_AGED_OUT_SHARE:
            out = _birthday(birth, LEAGUE_AGES[1])
            joined = min(self._joined(born + 5114, out - 1), out)
            self.add(person, "youth_league", self._residence("youth_league", township, county), joined, "aged_out", out)
        if flags & FEMALE and age >= 18 and random() < WOMEN_SHARE:
            unit = branches.get("women") or self._residence("women", township, county)
            self._with_history(person, "women", unit, self._joined(born + 6575, as_of))
        if flags & DISABLED and random() < DISABLED_SHARE:
            self.add(person, "disabled", self._residence("disabled", township, county), self._joined(born, as_of))
        if flags & VOLUNTEER and random() < RED_CROSS_SHARE:
            unit = self._residence("red_cross", township, county)
            self.add(person, "red_cross", unit, self._joined(born + 5114, as_of))
        if flags & (FARMER | EMPLOYED) and 25 <= age < 60 and random() < SCIENCE_SHARE:
            unit = branches.get("science") or self.official[("science", county)]
            self.add(person, "science", unit, self._joined(born + 9131, as_of))  # 25 years
