from __future__ import annotations

from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas import examples as ex
from app.api.schemas.common import InputModel, OutputModel, secret, text
from app.domain.enums import Role


class TokenResponse(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJzdWIiOiIwMTkzYTVjMC0wYjA1LTcwMDAtODAwMC0wMDAwMDAwMGIwMDUifQ.c2lnbmF0dXJl", "token_type": "bearer", "expires_in": 3600, "refresh_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJl"}]})

    access_token: str
    token_type: str = Field(default="bearer", examples=["bearer"])
    expires_in: int = Field(description="Seconds until the access token expires.", examples=[3600])
    refresh_token: str | None = Field(default=None, description="Absent for client_credentials.")


class TokenRequest(InputModel):
    """The OAuth2 token request (form encoded); unknown fields are refused like everywhere."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"grant_type": "password", "username": "village_donghu", "password": "anquan-demo-2024"}]})

    grant_type: text(40) | None = Field(default=None, description="`password` (the default) or `client_credentials`.")
    username: text(128) | None = None
    password: secret(128) | None = None
    client_id: text(128) | None = None
    client_secret: secret(128) | None = None
    scope: text(256) | None = Field(default=None, description="Accepted and ignored (roles decide what a token may do).")
    # The other grants' parameters (RFC 6749 §4.1.3, §6): known, so that such a request is
    # answered `unsupported_grant_type` rather than as an unknown field.
    code: text(512) | None = Field(default=None, description="Not supported: authorization_code grant.")
    redirect_uri: text(512) | None = Field(default=None, description="Not supported: authorization_code grant.")
    code_verifier: text(128) | None = Field(default=None, description="Not supported: authorization_code grant.")
    refresh_token: secret(4096) | None = Field(default=None, description="Not here: use POST /api/v1/auth/refresh.")


class RefreshRequest(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"refresh_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJl"}]})

    refresh_token: secret(4096)


class LogoutRequest(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{}, {"refresh_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJl"}]})

    refresh_token: secret(4096) | None = Field(
        default=None, description="A refresh token of the caller: its session ends too (say, another device's)."
    )


class Me(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": ex.VILLAGE_OFFICER_ID, "username": "village_donghu", "role": "village_officer", "org_unit_id": ex.VILLAGE_ID, "enterprise_id": None}]})

    id: UUID
    username: str
    role: Role
    org_unit_id: UUID | None
    enterprise_id: UUID | None
