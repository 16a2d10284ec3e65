"""Project base models and constrained types shared by every schema."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.domain.enterprises import PHONE_PATTERN

NO_NUL = r"^[^\x00]*$"


def text(max_length: int, *, min_length: int = 1) -> type[str]:
    """A string with limits; NUL is refused here because PostgreSQL cannot store it."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=NO_NUL)]  # type: ignore[return-value]


Name = text(200)
ShortText = text(100)
LongText = text(4000)
Phone = Annotated[
    str,
    StringConstraints(max_length=20, pattern=PHONE_PATTERN),
    Field(description="Mainland mobile number (11 digits) or landline with area code.", examples=["13800138000"]),
]


class InputModel(BaseModel):
    """Request bodies: unknown fields are rejected (A4, no mass assignment)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Person(InputModel):
    name: ShortText
    phone: Phone


class PersonRead(OutputModel):
    name: str
    phone: str
