"""HTTP conventions shared by routers: ETag / If-Match, Location."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Response

from app.domain.errors import StaleVersion

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The `ETag` of the representation the change is based on, as the server sent it (`\"3\"`), "
        "or a list of them; `*` for any. Anything that names no current representation — a stale ETag, or "
        "text that is no entity tag at all — answers 412 with the current ETag (RFC 9110: the precondition is "
        "evaluated before the content). Without it the change applies to whatever is current.",
        examples=['"3"'],
    ),
]


def answer(
    description: str, *, status: int = 200, etag: bool = False, location: bool = False, data_version: bool = False
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entry of a success response: its description and the headers it carries."""
    headers: dict[str, Any] = {}
    if data_version:
        headers["Data-Version"] = {"$ref": "#/components/headers/DataVersion"}
    if etag:
        headers["ETag"] = {"$ref": "#/components/headers/ETag"}
    if location:
        headers["Location"] = {"$ref": "#/components/headers/Location"}
    return {status: {"description": description, **({"headers": headers} if headers else {})}}


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    """412 when If-Match names no current representation (strong comparison, `*` matches)."""
    if if_match is None:
        return
    candidates = [c.strip().removeprefix("W/") for c in if_match.split(",")]
    if "*" in candidates or etag(version) in candidates:
        return
    raise StaleVersion(f"If-Match {if_match} is stale; the current ETag is {etag(version)}", current_etag=etag(version))


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)
