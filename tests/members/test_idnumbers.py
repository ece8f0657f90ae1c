import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from apps.members import idnumbers

TODAY = dt.date(2026, 11, 27)


def valid(first17: str) -> str:
    return first17 + idnumbers.check_digit(first17)


def message(raw: str) -> str:
    with pytest.raises(ValidationError) as error:
        idnumbers.parse(raw, today=TODAY)
    return error.value.messages[0]


@pytest.mark.parametrize(
    "first17", ["63010219850612001", "11010519491231002", "63252119990101123", "44030720000229004"]
)
def test_valid_numbers_agree_with_python_stdnum(first17):
    number = valid(first17)
    assert idnumbers.parse(number, today=TODAY).value == number
    assert ric.is_valid(number)


def test_a_check_digit_of_ten_is_an_x():
    first17 = next(f"6301021985061200{n}" for n in range(10) if idnumbers.check_digit(f"6301021985061200{n}") == "X")
    assert idnumbers.parse(first17 + "x", today=TODAY).value.endswith("X")


def test_it_reads_gender_and_birth_date_from_the_number():
    number = idnumbers.parse(valid("63010219850612001"), today=TODAY)
    assert number.birth_date == dt.date(1985, 6, 12) and number.gender == "male"
    assert idnumbers.parse(valid("63010219850612002"), today=TODAY).gender == "female"


def test_input_as_people_type_it_is_normalized():
    number = valid("63010219850612001")
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in number)
    assert idnumbers.parse(f" {full_width[:6]} {full_width[6:14]}-{full_width[14:]} ", today=TODAY).value == number


def test_the_mask_keeps_the_province_and_the_last_four():
    assert idnumbers.mask("630102198506120019") == "630***********0019"


def test_each_fault_has_its_own_message():
    good = valid("63010219850612001")
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    assert message(wrong_check) == idnumbers.ID_CHECK_DIGIT
    assert message(valid("63010220230230001")) == idnumbers.ID_BIRTH_DATE.format(date="2023-02-30")
    assert message(valid("63010220270101001")) == idnumbers.ID_FUTURE_BIRTH.format(date="2027-01-01")
    assert message(valid("99010219850612001")) == idnumbers.ID_PROVINCE.format(prefix="99")
    assert message("630102850612001") == idnumbers.ID_LEGACY_15
    assert message("6301021985") == idnumbers.ID_LENGTH.format(length=10)
    assert message("63010219850612A019") == idnumbers.ID_CHARACTERS
    assert message(valid("63010218990612001")) == idnumbers.ID_TOO_OLD.format(date="1899-06-12")
    assert message("  ") == idnumbers.ID_REQUIRED


def test_a_county_code_that_no_longer_exists_is_accepted():
    # 632121 was 平安县, since 2015 平安区 (630203): the number keeps the old code for life.
    assert idnumbers.parse(valid("63212119700101001"), today=TODAY)
