"""Enterprise rules (E1, E2): unified social credit code, phone numbers, high-risk default."""

from __future__ import annotations

import re

from app.domain.sectors import HIGH_RISK_DEFAULT

# GB 32100-2015: 31 characters (no I, O, Z, S, V); weights 3^i mod 31.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CHAR_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_CHARSET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ADMIN_DIVISION = re.compile(r"^[0-9]{6}$")

PHONE_PATTERN = r"^(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-?[0-9]{7,8})$"
_PHONE = re.compile(PHONE_PATTERN)


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015)."""
    total = sum(_CHAR_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """E1: None when `code` is a valid 18-character code, else what is wrong with it."""
    if len(code) != 18:
        return "must be 18 characters"
    bad = sorted({c for c in code if c not in _CHAR_VALUE})
    if bad:
        return f"contains characters outside GB 32100-2015: {''.join(bad)!r}"
    if not _ADMIN_DIVISION.match(code[2:8]):
        return "characters 3-8 must be an administrative division code (digits)"
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r}, expected {expected!r}"
    return None


def is_valid_phone(phone: str) -> bool:
    """A mainland mobile number or a landline with area code (the whole string: `$` alone
    would let a trailing newline through)."""
    return bool(_PHONE.fullmatch(phone))


def default_high_risk(sector: str) -> bool:
    """High-risk defaults from the sector (docs/rules.md §1) unless set explicitly."""
    return HIGH_RISK_DEFAULT.get(sector, False)
