from __future__ import annotations

from uuid import UUID

from pydantic import Field

from app.api.schemas.common import InputModel, OutputModel, text
from app.domain.enums import Role


class TokenResponse(OutputModel):
    access_token: str
    token_type: str = Field(default="bearer", examples=["bearer"])
    expires_in: int = Field(description="Seconds until the access token expires.", examples=[3600])
    refresh_token: str | None = Field(default=None, description="Absent for client_credentials.")


class RefreshRequest(InputModel):
    refresh_token: text(4096)


class Me(OutputModel):
    id: UUID
    username: str
    role: Role
    org_unit_id: UUID | None
    enterprise_id: UUID | None
