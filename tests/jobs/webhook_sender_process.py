"""A separate process that delivers one webhook subscription (the tests kill it mid-delivery).

    python -m tests.jobs.webhook_sender_process DATABASE_URL SUBSCRIPTION_ID
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import datetime, timezone

from app.channels.webhooks import WebhookSender
from app.db.session import Database
from app.services import webhooks
from tests.conftest import test_settings


async def main(url: str, subscription_id: str) -> None:
    db = Database.from_url(url, pool_size=2, max_overflow=0)
    sender = WebhookSender.from_settings(test_settings(webhook_allowed_private_hosts='["127.0.0.1"]',
                                                       channel_timeout_seconds=60))
    print("ready", flush=True)
    await webhooks.deliver_subscription(db, sender, uuid.UUID(subscription_id), now=datetime.now(timezone.utc))
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
