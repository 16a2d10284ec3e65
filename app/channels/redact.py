"""What may appear in logs and delivery errors: masked phone numbers and addresses, URLs
without their credentials (a robot's `key`/`access_token` is one), secrets replaced.

R5: phone numbers are never logged in full; nothing here logs a secret."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.domain.enterprises import PHONE_PATTERN

# Mainland mobiles (with an optional +86/0086) and landlines, anywhere in a text.
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])(?:\+?86[- ]?|0086[- ]?)?1[3-9][0-9]{9}(?![0-9])|(?<![0-9])0[1-9][0-9]{1,2}-[0-9]{7,8}(?![0-9])")
_URL_TAIL = re.compile(r"(https?://[^\s/?#]*)([^\s?#]*)[?#][^\s\"'<>]*", re.IGNORECASE)
_USERINFO = re.compile(r"(https?://)[^\s/@]*@", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_WHOLE_PHONE = re.compile(PHONE_PATTERN)

MAX_ERROR_CHARS = 300


def mask_phone(phone: str) -> str:
    """138****5678: the first three and the last four characters, never the middle."""
    value = phone.strip()
    if len(value) >= 8:
        return f"{value[:3]}****{value[-4:]}"
    return "****" + value[-2:] if len(value) > 2 else "****"


def mask_email(address: str) -> str:
    """z***@example.cn: enough to tell two recipients apart in a log."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return mask_phone(address) if _WHOLE_PHONE.fullmatch(address.strip()) else "***"
    return f"{local[:1]}***@{domain}"


def redact_url(url: str) -> str:
    """Scheme, host and path only: query strings carry robot keys and tokens."""
    return _URL_TAIL.sub(lambda m: f"{m[1]}{m[2]}?***", _USERINFO.sub(r"\1***@", url))


def mask_address(address: str) -> str:
    """A recipient as it may be logged: phone masked, e-mail masked, URL redacted."""
    value = address.strip()
    if value.lower().startswith(("http://", "https://")):
        return redact_url(value)
    if "@" in value:
        return mask_email(value)
    return mask_phone(value)


def scrub(text: str, *, secrets: Iterable[str] = (), limit: int = MAX_ERROR_CHARS) -> str:
    """A short, single-line error text: known secrets replaced, phone numbers masked, URL
    queries dropped, cut to `limit` characters."""
    out = text
    for secret in secrets:
        if secret and len(secret) >= 4:
            out = out.replace(secret, "***")
    out = redact_url(out)
    out = _PHONE_IN_TEXT.sub(lambda m: mask_phone(m[0]), out)
    out = _CONTROL.sub(" ", out).strip()
    return out if len(out) <= limit else out[: limit - 1] + "…"
