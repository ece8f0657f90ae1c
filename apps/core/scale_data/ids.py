"""Resident ID numbers in bulk: GB 11643-1999 as `apps.members.idnumbers`, from partial sums.

The check digit is a weighted sum of the 17 digits mod 11; the three parts of a generated
number (county code, birth date, serial) each add a fixed amount, so the amounts are
computed once per county, birth date and serial instead of digit by digit a million times.
The tests compare every generated number with `idnumbers.parse`.
"""

from __future__ import annotations

import datetime as dt

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def _weighted(digits: str, weights) -> int:
    return sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True))


class IdNumbers:
    def __init__(self):
        self._counties: dict[str, int] = {}
        self._births: dict[int, tuple[str, int]] = {}
        self._serials = [_weighted(f"{serial:03d}", WEIGHTS[14:]) for serial in range(1000)]

    def number(self, county_code: str, birth: int, serial: int) -> str:
        """The 18-character number of a person born on ordinal `birth`, registered in the county."""
        county = self._counties.get(county_code)
        if county is None:
            county = self._counties[county_code] = _weighted(county_code, WEIGHTS[:6])
        born = self._births.get(birth)
        if born is None:
            text = dt.date.fromordinal(birth).strftime("%Y%m%d")
            born = self._births[birth] = (text, _weighted(text, WEIGHTS[6:14]))
        return f"{county_code}{born[0]}{serial:03d}{CHECK[(county + born[1] + self._serials[serial]) % 11]}"
