"""Project base models and constrained types shared by every schema.

Every input type here accepts exactly what its JSON Schema in the contract describes, no
more (pydantic's lax mode would take `0` for a date, `1` for a boolean, a UUID without
hyphens): the contract is what clients and the contract tests rely on."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from app.api.schemas import examples as ex
from app.domain.enterprises import PHONE_PATTERN

# The characters Python's str.strip() removes (str.isspace()), spelled for both Python and
# ECMA-262 regular expressions, so that the contract's pattern and the server agree.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and zero-width
# characters (U+200B–U+200D, U+2060, U+FEFF): invisible, they make `‮gnp.exe` read as `exe.png`.
_INVISIBLE = r"\u200b-\u200d\u202a-\u202e\u2060\u2066-\u2069\ufeff"
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
NO_NUL = r"^[^\x00]*$"
# At least one character that is not white space; no NUL (PostgreSQL cannot store it), no
# bidirectional control and no zero-width character.
TEXT_PATTERN = rf"^[^\x00{_INVISIBLE}]*[^\x00{_SPACE}{_INVISIBLE}][^\x00{_INVISIBLE}]*$"


@dataclass(frozen=True)
class SchemaExtra:
    """Annotated metadata that adds keywords to a type's JSON Schema (a pattern the
    validator enforces with a clearer message than a regular expression gives)."""

    keywords: tuple[tuple[str, Any], ...]

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema.update(dict(self.keywords))
        return schema


def schema_extra(**keywords: Any) -> SchemaExtra:
    return SchemaExtra(tuple(keywords.items()))


def visible_text(value: str) -> str:
    """Refuses what a reader cannot see: bidirectional controls and zero-width characters."""
    found = _INVISIBLE_RE.search(value)
    if found:
        raise PydanticCustomError(
            "invisible_character",
            "must not contain bidirectional controls or zero-width characters (found U+{code})",
            {"code": f"{ord(found.group()):04X}"},
        )
    return value


def _plain_text(min_length: int):  # type: ignore[no-untyped-def]
    def check(value: str) -> str:
        if "\x00" in value:
            raise PydanticCustomError("string_nul", "must not contain NUL characters")
        visible_text(value)
        value = value.strip()
        if len(value) < min_length:
            raise PydanticCustomError("string_too_short", "at least {min_length} characters without the surrounding spaces", {"min_length": min_length})
        return value

    return check


def text(max_length: int, *, min_length: int = 1) -> type[str]:
    """A string with limits: the limits and the pattern apply to what the client sent (as
    the contract says), then surrounding white space is dropped before it is stored. No NUL,
    no bidirectional control, no zero-width character (the pattern says so too)."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_plain_text(min_length)),
        schema_extra(pattern=TEXT_PATTERN),
    ]


def padded(pattern: str, *, max_length: int) -> type[str]:
    """A code of a fixed shape (`pattern`, without anchors) that may come with white space
    around it, which is dropped."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(max_length=max_length, pattern=rf"^[{_SPACE}]*{pattern}[{_SPACE}]*$"),
        AfterValidator(str.strip),
    ]


def secret(max_length: int, *, min_length: int = 1) -> type[str]:
    """A password or token: taken verbatim (white space is part of a password), no NUL."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=NO_NUL)]  # type: ignore[return-value]


CriterionCode = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
    Field(description="A criterion's `code` (K1), e.g. `GMQY-2023-13-1`.", examples=["GMQY-2023-13-1"]),
]
Name = text(200)
ShortText = text(100)
LongText = text(4000)
Phone = Annotated[
    str,
    StringConstraints(max_length=20, pattern=PHONE_PATTERN),
    Field(description="Mainland mobile number (11 digits) or landline with area code.", examples=["13800138000"]),
]

# Business dates lie in 2000-01-01 – 2100-12-31: the pattern says so, so that a client (and a
# generator) knows before the server refuses a date outside it.
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2100, 12, 31)
_MONTH_DAY = r"(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
DAY_PATTERN = rf"^(20[0-9]{{2}}|2100)-{_MONTH_DAY}$"
# Registration dates of enterprises reach back further.
HISTORIC_DAY_PATTERN = rf"^(19[0-9]{{2}}|20[0-9]{{2}}|2100)-{_MONTH_DAY}$"
INSTANT_PATTERN = (
    rf"^(20[0-9]{{2}}|2100)-{_MONTH_DAY}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{{1,6}})?"
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def _day_between(earliest: date, latest: date, pattern: str):  # type: ignore[no-untyped-def]
    shape = re.compile(pattern)

    def parse(value: Any) -> Any:
        if isinstance(value, date) and not isinstance(value, datetime):
            day = value
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                raise PydanticCustomError("date_parsing", "must be a date of the calendar, YYYY-MM-DD") from None
        else:
            raise PydanticCustomError("date_type", "must be a date, YYYY-MM-DD")
        if not earliest <= day <= latest or not shape.fullmatch(day.isoformat()):
            raise PydanticCustomError(
                "date_range", "must lie between {earliest} and {latest}",
                {"earliest": earliest.isoformat(), "latest": latest.isoformat()},
            )
        return day

    return parse


def _rfc3339(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        text_value = value.isoformat()
    elif isinstance(value, str):
        text_value = value
    else:
        raise PydanticCustomError("datetime_type", "must be an RFC 3339 timestamp with an offset, e.g. 2025-03-02T08:00:00+08:00")
    if not re.fullmatch(INSTANT_PATTERN, text_value):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", text_value):
            raise PydanticCustomError(
                "datetime_range", "must be a timestamp of the years 2000–2100 with an offset of less than 24 hours"
            )
        raise PydanticCustomError("datetime_type", "must be an RFC 3339 timestamp with an offset, e.g. 2025-03-02T08:00:00+08:00")
    try:
        return datetime.fromisoformat(text_value.replace("Z", "+00:00").replace("z", "+00:00").replace("t", "T"))
    except ValueError:
        raise PydanticCustomError("datetime_parsing", "must be a timestamp of the calendar") from None


def _canonical_uuid(value: Any) -> Any:
    if isinstance(value, UUID):
        return value
    if isinstance(value, str) and _UUID.fullmatch(value):
        return value
    raise PydanticCustomError("uuid_type", "must be a UUID, 8-4-4-4-12 hexadecimal digits")


Day = Annotated[
    date,
    BeforeValidator(_day_between(EARLIEST_DAY, LATEST_DAY, DAY_PATTERN)),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN}),
]
"""A business date, `YYYY-MM-DD` exactly (not a number of seconds, not a timestamp), in
2000-01-01 – 2100-12-31."""
HistoricDay = Annotated[
    date,
    BeforeValidator(_day_between(date(1900, 1, 1), LATEST_DAY, HISTORIC_DAY_PATTERN)),
    WithJsonSchema({"type": "string", "format": "date", "pattern": HISTORIC_DAY_PATTERN}),
]
"""A date of record that may precede the campaign's era (an enterprise's registration): 1900–2100."""
Instant = Annotated[
    datetime,
    BeforeValidator(_rfc3339),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN}),
]
"""A timestamp, RFC 3339 with its offset, in the years 2000–2100."""
Id = Annotated[UUID, BeforeValidator(_canonical_uuid)]
"""A UUID in its canonical hyphenated form."""
Flag = Annotated[bool, Strict()]
"""A JSON boolean: `true` or `false`, not 0/1 or "yes"."""
Whole = Annotated[int, Strict()]
"""A JSON integer (not a string of digits, not a boolean)."""


def fixed_point(
    *, whole_digits: int, places: int, minimum: Decimal, maximum: Decimal, string_pattern: str, description: str
) -> Any:
    """A decimal amount as a JSON number or a string. A string must match `string_pattern`
    exactly; a number in range is rounded (half up) to `places` decimal places."""
    quantum = Decimal(1).scaleb(-places)
    max_length = whole_digits + places + 1 + 4  # digits, the point, and a few leading zeros

    def parse(value: Any) -> Decimal:
        if isinstance(value, bool):
            raise PydanticCustomError("decimal_type", "must be a number or a decimal string")
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, str):
            if len(value) > max_length or not re.fullmatch(string_pattern, value):
                raise PydanticCustomError(
                    "decimal_parsing", "must be a decimal with at most {places} decimal places", {"places": places}
                )
            number = Decimal(value)
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise PydanticCustomError("decimal_type", "must be a finite number")
            try:
                number = Decimal(repr(value))
            except InvalidOperation:  # pragma: no cover - repr of a finite float always parses
                raise PydanticCustomError("decimal_type", "must be a number") from None
        else:
            raise PydanticCustomError("decimal_type", "must be a number or a decimal string")
        if not minimum <= number <= maximum:
            raise PydanticCustomError(
                "decimal_range", "must lie between {minimum} and {maximum}", {"minimum": str(minimum), "maximum": str(maximum)}
            )
        return number.quantize(quantum, rounding=ROUND_HALF_UP)

    schema = {
        "anyOf": [
            {"type": "number", "minimum": float(minimum), "maximum": float(maximum)},
            {"type": "string", "pattern": string_pattern, "maxLength": max_length},
        ],
        "description": description,
    }
    return Annotated[Decimal, BeforeValidator(parse), WithJsonSchema(schema)]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**kwargs: Any) -> Any:
    """A PATCH field that may be left out but not set to null (its column is NOT NULL)."""
    return Field(default=None, json_schema_extra=_no_default, **kwargs)


class InputModel(BaseModel):
    """Request bodies: unknown fields are rejected (A4, no mass assignment)."""

    model_config = ConfigDict(extra="forbid")


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Person(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.PERSON]})

    name: ShortText
    phone: Phone


class PersonRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.PERSON]})

    name: str
    phone: str
