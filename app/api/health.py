"""Liveness and readiness."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from app.api.errors import problem, problem_responses
from app.api.http import answer

router = APIRouter(tags=["health"])


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"] = Field(description="`ok`: the process answers (healthz), the database too (readyz).")


@router.get(
    "/healthz",
    response_model=Health,
    summary="Process is up",
    description='Answers 200 while the process serves requests; it does not touch the database. For liveness probes. (Like every path, it refuses a request body over the size limit with 413.)',
    responses={**answer("The process is up."), **problem_responses(413)},
    openapi_extra={"security": []},
)
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Database is reachable",
    description='Answers 200 when the database answers a query, 503 when it does not. For readiness probes and load balancers.',
    responses={**answer("The process and the database are up."), **problem_responses(413, 503)},
    openapi_extra={"security": []},
)
async def readyz(request: Request) -> Health | JSONResponse:
    try:
        async with request.app.state.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means not ready
        return problem(503, "not_ready", "the database is not reachable", request=request)
    return Health(status="ok")
