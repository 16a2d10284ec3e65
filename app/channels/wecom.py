"""企业微信 群机器人: a text message to an org unit's group robot (R5, channel `wecom`).

Documented format (群机器人配置说明, https://developer.work.weixin.qq.com/document/path/91770,
now also https://developer.work.weixin.qq.com/document/path/99398): `POST` the robot's webhook
URL `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY` with
`{"msgtype": "text", "text": {"content": "..."}}`, content UTF-8 and at most 2,048 bytes
(longer texts are cut on a character boundary and end with …); the answer is
`{"errcode": 0, "errmsg": "ok"}`. A robot takes at most 20 messages a minute.

Error codes (全局错误码, https://developer.work.weixin.qq.com/document/path/90455): -1 系统繁忙
("try again later"), 45009 接口调用超过限制 (`api freq out of limit`: the 20-a-minute limit)
and 45033 (too many concurrent calls) are retryable; any other code (93000 `invalid webhook
url`, 40008 bad msgtype, 45002 content too long ...) needs a change first. The key in the URL
is a credential: it is never logged and never part of an error text."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

from app.channels.base import DeliveryResult, OutboundMessage
from app.channels.netguard import TargetPolicy
from app.channels.robots import post_to_robot, truncate_utf8

if TYPE_CHECKING:
    from app.settings import Settings

MAX_CONTENT_BYTES = 2048
RETRYABLE_ERRCODES = frozenset({-1, 45009, 45033})


def text_payload(text: str) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": truncate_utf8(text, MAX_CONTENT_BYTES)}}


class WeComRobot:
    """The `wecom` channel. `message.to` is the org unit's robot webhook URL."""

    name = "wecom"

    def __init__(self, policy: TargetPolicy, *, timeout: float = 10.0, verify: ssl.SSLContext | None = None) -> None:
        self.policy = policy
        self.timeout = timeout
        self._verify = verify

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> WeComRobot:
        policy = TargetPolicy(settings.webhook_allowed_private_hosts)
        return cls(policy, timeout=settings.channel_timeout_seconds, **kwargs)

    async def send(self, message: OutboundMessage) -> DeliveryResult:
        if not message.to.strip():
            return DeliveryResult.not_configured("no WeCom group robot URL for this org unit")
        return await post_to_robot(self.name, message.to.strip(), text_payload(message.text), policy=self.policy,
                                   timeout=self.timeout, retryable_errcodes=RETRYABLE_ERRCODES,
                                   verify=self._verify)
