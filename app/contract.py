"""Print the OpenAPI document (scripts/export-openapi writes it to openapi/openapi.json)."""

from __future__ import annotations

import json
import sys

from app.main import create_app
from app.settings import Settings


def render() -> str:
    app = create_app(Settings(env="dev", database_url=None, cors_origins=[]))
    return json.dumps(app.openapi(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
