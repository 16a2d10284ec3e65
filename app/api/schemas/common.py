"""Project base models and constrained types shared by every schema.

Every input type here accepts exactly what its JSON Schema in the contract describes, no
more (pydantic's lax mode would take `0` for a date, `1` for a boolean, a UUID without
hyphens): the contract is what clients and the contract tests rely on."""

from __future__ import annotations

import math
import re
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

from app.domain.enterprises import PHONE_PATTERN

# The characters Python's str.strip() removes (str.isspace()), spelled for both Python and
# ECMA-262 regular expressions, so that the contract's pattern and the server agree.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NO_NUL = r"^[^\x00]*$"
# At least one character that is not white space; no NUL (PostgreSQL cannot store it).
TEXT_PATTERN = rf"^[^\x00]*[^\x00{_SPACE}][^\x00]*$"


def _stripped(min_length: int):  # type: ignore[no-untyped-def]
    def strip(value: str) -> str:
        value = value.strip()
        if len(value) < min_length:
            raise PydanticCustomError("string_too_short", "at least {min_length} characters without the surrounding spaces", {"min_length": min_length})
        return value

    return strip


def text(max_length: int, *, min_length: int = 1) -> type[str]:
    """A string with limits: the limits and the pattern apply to what the client sent (as
    the contract says), then surrounding white space is dropped before it is stored."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(min_length=min_length, max_length=max_length, pattern=TEXT_PATTERN),
        AfterValidator(_stripped(min_length)),
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


Name = text(200)
ShortText = text(100)
LongText = text(4000)
Phone = Annotated[
    str,
    StringConstraints(max_length=20, pattern=PHONE_PATTERN),
    Field(description="Mainland mobile number (11 digits) or landline with area code.", examples=["13800138000"]),
]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")


def _date_only(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_type", "must be a date, YYYY-MM-DD")


def _rfc3339(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str) and _RFC3339.fullmatch(value):
        return value
    raise PydanticCustomError("datetime_type", "must be an RFC 3339 timestamp with an offset, e.g. 2025-03-02T08:00:00+08:00")


def _canonical_uuid(value: Any) -> Any:
    if isinstance(value, UUID):
        return value
    if isinstance(value, str) and _UUID.fullmatch(value):
        return value
    raise PydanticCustomError("uuid_type", "must be a UUID, 8-4-4-4-12 hexadecimal digits")


Day = Annotated[date, BeforeValidator(_date_only)]
"""A business date, `YYYY-MM-DD` exactly (not a number of seconds, not a timestamp)."""
Instant = Annotated[datetime, BeforeValidator(_rfc3339)]
"""A timestamp, RFC 3339 with its offset."""
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
    name: ShortText
    phone: Phone


class PersonRead(OutputModel):
    name: str
    phone: str
