"""HTTP conventions shared by routers: ETag / If-Match, Location."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response

from app.domain.errors import StaleVersion

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The ETag the client last saw; a stale one answers 412.",
    ),
]


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
