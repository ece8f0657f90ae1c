"""Property tests of ID-number validation, cross-checked with python-stdnum's `stdnum.cn.ric`.

stdnum is stricter in one way (it looks the six address digits up in its own county list, by
birth year) and looser in another (no birth-date bounds); where both apply they must agree.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from apps.members import idnumbers

TODAY = dt.date(2026, 11, 27)
FIRST_BIRTH = dt.date(1900, 1, 1)
# Counties of Qinghai (fixtures/qinghai-divisions.csv) and a few elsewhere, all known to stdnum.
COUNTIES = ["630102", "630103", "630104", "630105", "632123", "632521", "110105", "440307", "540102", "650102"]

PROPERTY = settings(max_examples=300, deadline=None, derandomize=True)

birth_dates = st.one_of(
    st.dates(min_value=FIRST_BIRTH, max_value=TODAY),
    # 29 February of every leap year the range holds, the case a date check gets wrong first.
    st.sampled_from([dt.date(year, 2, 29) for year in range(1904, TODAY.year + 1, 4) if year != 1900]),
)


@st.composite
def valid_numbers(draw) -> str:
    first17 = (
        draw(st.sampled_from(COUNTIES))
        + draw(birth_dates).strftime("%Y%m%d")
        + draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    )
    return first17 + ric.calc_check_digit(first17 + "0")


def outcome(raw: str) -> str | None:
    """The number `parse` keeps, or None when it refuses it (always with a ValidationError)."""
    try:
        return idnumbers.parse(raw, today=TODAY).value
    except ValidationError as error:
        assert error.messages and all(message.strip() for message in error.messages)
        return None


@PROPERTY
@given(number=valid_numbers())
def test_every_number_stdnum_accepts_is_accepted(number):
    # stdnum also wants the county to have existed in the birth year; ours checks the province only.
    assume(ric.is_valid(number))
    assert outcome(number) == number


def test_29_february_of_a_year_that_was_not_leap_is_refused_by_both():
    number = "630102190002290011"
    number = number[:17] + ric.calc_check_digit(number)
    assert outcome(number) is None
    assert not ric.is_valid(number)


@PROPERTY
@given(number=valid_numbers())
def test_a_valid_number_reads_as_stdnum_reads_it(number):
    parsed = idnumbers.parse(number, today=TODAY)
    assert parsed.value == ric.compact(number)
    assert parsed.birth_date == ric.get_birth_date(number)
    assert parsed.gender == ("male" if int(number[16]) % 2 else "female")
    assert parsed.masked == number[:3] + "*" * 11 + number[-4:]


@PROPERTY
@given(number=valid_numbers().filter(lambda n: n.endswith("X")))
def test_a_lower_case_x_is_the_same_number(number):
    assert outcome(number[:17] + "x") == number


@PROPERTY
@given(number=valid_numbers(), position=st.integers(0, 17), data=st.data())
def test_any_single_wrong_character_is_refused(number, position, data):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    wrong = data.draw(st.sampled_from([char for char in alphabet if char != number[position]]))
    assert outcome(number[:position] + wrong + number[position + 1 :]) is None


@PROPERTY
@given(number=valid_numbers(), position=st.integers(0, 16))
def test_two_neighbouring_digits_swapped_are_refused(number, position):
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    if swapped != number:
        assert outcome(swapped) is None


@PROPERTY
@given(number=valid_numbers(), data=st.data())
def test_spaces_dashes_and_full_width_digits_change_nothing(number, data):
    full_width = {char: chr(ord(char) + 0xFEE0) for char in "0123456789X"}
    separators = st.sampled_from(["", " ", "-", "\u3000"])
    typed = "".join(data.draw(st.sampled_from([char, full_width[char]])) + data.draw(separators) for char in number)
    assert outcome(typed) == number


@PROPERTY
@given(raw=st.text(alphabet="0123456789Xx", min_size=18, max_size=18))
def test_an_arbitrary_18_character_string_gets_stdnums_checksum_verdict(raw):
    value = outcome(raw)
    if value is None:
        return
    # Whatever is accepted has stdnum's check digit, birth date, and a province stdnum knows of.
    assert value == raw.upper()
    assert ric.calc_check_digit(value) == value[17]
    assert ric.get_birth_date(value) == idnumbers.parse(value, today=TODAY).birth_date
    assert FIRST_BIRTH <= ric.get_birth_date(value) <= TODAY
    assert value[:2] in idnumbers.PROVINCE_PREFIXES


@PROPERTY
@given(raw=st.text(max_size=40))
def test_any_text_is_either_a_number_or_a_clear_refusal(raw):
    # Never another exception (a 500 at the doors): NUL bytes, emoji, other scripts' digits.
    value = outcome(raw)
    assert value is None or (len(value) == 18 and value[:17].isascii() and value[:17].isdigit())
