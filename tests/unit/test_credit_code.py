"""E1, E2: unified social credit codes (GB 32100-2015) and phone numbers, without a database."""

from __future__ import annotations

import re

import pytest

from app.api.schemas.common import Phone
from app.domain.enterprises import (
    CREDIT_CODE_CHARSET,
    PHONE_PATTERN,
    credit_code_check_character,
    credit_code_problem,
    default_high_risk,
    is_valid_phone,
)
from app.domain.sectors import SECTOR_CODES

# Bodies (first 17 characters) of different shapes: enterprise, institution, with letters.
BODIES = [
    "91340100MA2N0K1X2",
    "12340100000000000",
    "52110000500000000",
    "93340103YY0000001",
    "Y1340102ABCDEFGHJ",
    "91340100KLMNPQRTU",
    "91340100WXY012345",
]
VALID = [body + credit_code_check_character(body) for body in BODIES]


def test_e1_charset_excludes_ambiguous_letters():
    assert len(CREDIT_CODE_CHARSET) == 31
    assert not set("IOZSV") & set(CREDIT_CODE_CHARSET)


@pytest.mark.parametrize("code", VALID + ["9144030071526726XG", "91110108551385082Q"])
def test_e1_valid_codes_accepted(code):
    assert credit_code_problem(code) is None


def test_e1_check_character_known_values():
    # published codes whose check characters are known
    assert credit_code_check_character("9144030071526726X") == "G"
    assert credit_code_check_character("91110108551385082") == "Q"
    assert credit_code_check_character("91330000MA27U0Q7X") == "0"


@pytest.mark.parametrize("code", VALID)
def test_e1_every_wrong_check_character_rejected(code):
    for wrong in CREDIT_CODE_CHARSET:
        if wrong == code[17]:
            continue
        problem = credit_code_problem(code[:17] + wrong)
        assert problem == f"check character is {wrong!r}, expected {code[17]!r}"


@pytest.mark.parametrize("letter", list("IOZSV"))
@pytest.mark.parametrize("position", [0, 1, 8, 12, 17])
def test_e1_letters_outside_the_charset_rejected(letter, position):
    code = VALID[0]
    bad = code[:position] + letter + code[position + 1 :]
    assert credit_code_problem(bad) == f"contains characters outside GB 32100-2015: {letter!r}"


@pytest.mark.parametrize("code", ["", "9", VALID[0][:17], VALID[0] + "0", VALID[0] * 2])
def test_e1_length_must_be_18(code):
    assert credit_code_problem(code) == "must be 18 characters"


def test_e1_lowercase_is_not_valid_before_normalisation():
    assert credit_code_problem(VALID[4].lower()) is not None
    assert credit_code_problem(VALID[4].lower().upper()) is None


def test_e1_admin_division_must_be_digits():
    body = "91A40100MA2N0K1X2"
    code = body + credit_code_check_character(body)
    assert credit_code_problem(code) == "characters 3-8 must be an administrative division code (digits)"


def test_e1_check_character_needs_17_characters():
    with pytest.raises(ValueError):
        credit_code_check_character("1234")


@pytest.mark.parametrize(
    "phone",
    ["13800138000", "19912345678", "15012345678", "010-12345678", "01012345678", "0551-6543210", "0551-65432109"],
)
def test_e2_valid_phones(phone):
    assert is_valid_phone(phone)


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "12800138000",  # no mobile prefix 12
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "+8613800138000",
        "010-123456",  # local part too short
        "010-123456789",  # local part too long
        "10-12345678",  # area code must start with 0
        "13800138000\n",
        "１３８００１３８０００",  # full-width digits
        "abc",
    ],
)
def test_e2_malformed_phones(phone):
    assert not is_valid_phone(phone)


def test_e2_api_phone_type_uses_the_domain_pattern():
    metadata = Phone.__metadata__  # type: ignore[attr-defined]
    patterns = [m.pattern for m in metadata if getattr(m, "pattern", None)]
    assert patterns == [PHONE_PATTERN]
    assert re.fullmatch(PHONE_PATTERN[1:-1], "13800138000")


@pytest.mark.parametrize(
    ("sector", "expected"),
    [
        ("construction", True),
        ("hazardous_chemicals", True),
        ("road_transport", True),
        ("civil_explosives", True),
        ("fire", False),
        ("gas", False),
        ("industry_trade", False),
        ("other", False),
    ],
)
def test_e1_high_risk_defaults_from_sector(sector, expected):
    assert default_high_risk(sector) is expected


def test_e1_exactly_four_high_risk_sectors():
    assert {s for s in SECTOR_CODES if default_high_risk(s)} == {
        "construction",
        "hazardous_chemicals",
        "road_transport",
        "civil_explosives",
    }
    assert len(SECTOR_CODES) == 21
