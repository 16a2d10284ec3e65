"""钉钉 自定义机器人: a text message to an org unit's group robot (R5, channel `dingtalk`).

Documented format (自定义机器人接入, https://open.dingtalk.com/document/robots/custom-robot-access,
overview https://open.dingtalk.com/document/robots/robot-overview): `POST` the robot's webhook
URL `https://oapi.dingtalk.com/robot/send?access_token=TOKEN` with
`{"msgtype": "text", "text": {"content": "..."}}` in UTF-8; the answer is
`{"errcode": 0, "errmsg": "ok"}`. A robot takes at most 20 messages a minute, and is throttled
for 10 minutes past that.

Security settings (自定义机器人安全设置): with 加签 the robot has a secret `SEC…`; each call
carries `timestamp` (milliseconds, within an hour of DingTalk's clock) and
`sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))` as
`&timestamp=…&sign=…`. With 自定义关键词 the text must contain one of the robot's keywords
(the templates' fixed words do), else errcode 310000.

Retryable errcodes: -1 系统繁忙, 130101 `send too fast, exceed 20 times per minute` and
410100 (throttled); others (300001 unknown token, 310000 sign/keyword/IP refused, 400102
robot disabled ...) need a change first. The token and the secret are credentials: never
logged, never part of an error text."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ssl
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from app.channels.base import DeliveryResult, OutboundMessage
from app.channels.netguard import TargetPolicy
from app.channels.robots import post_to_robot

if TYPE_CHECKING:
    from app.settings import Settings

RETRYABLE_ERRCODES = frozenset({-1, 130101, 410100})


def sign(secret: str, timestamp_ms: int) -> str:
    """The 加签 signature, base64 (not yet URL-encoded)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={quote(sign(secret, timestamp_ms), safe='')}"


def text_payload(text: str) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": text}}


class DingTalkRobot:
    """The `dingtalk` channel. `message.to` is the org unit's robot webhook URL,
    `message.secret` its 加签 secret when the robot signs."""

    name = "dingtalk"

    def __init__(self, policy: TargetPolicy, *, timeout: float = 10.0, verify: ssl.SSLContext | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.policy = policy
        self.timeout = timeout
        self._verify = verify
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> DingTalkRobot:
        policy = TargetPolicy(settings.webhook_allowed_private_hosts)
        return cls(policy, timeout=settings.channel_timeout_seconds, **kwargs)

    async def send(self, message: OutboundMessage) -> DeliveryResult:
        url = message.to.strip()
        if not url:
            return DeliveryResult.not_configured("no DingTalk group robot URL for this org unit")
        secrets: list[str] = []
        if message.secret:
            secrets.append(message.secret)
            url = signed_url(url, message.secret, int(self._clock() * 1000))
        return await post_to_robot(self.name, url, text_payload(message.text), policy=self.policy,
                                   timeout=self.timeout, retryable_errcodes=RETRYABLE_ERRCODES,
                                   secrets=secrets, verify=self._verify, log_url=message.to)
