"""Time-ordered UUIDs (version 7, RFC 9562): ids that sort by creation keep indexes compact
and make keyset pagination by id follow creation order. Within one millisecond the 12-bit
`rand_a` field counts up (RFC 9562 §6.2, method 1), so ids made by one process in the same
millisecond still sort in creation order."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7() -> uuid.UUID:
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms, _counter = ms, int.from_bytes(os.urandom(2), "big") & 0x3FF  # leave room to count
        else:
            _counter += 1
            if _counter > 0xFFF:  # more than ~3000 ids in one millisecond: borrow the next one
                _last_ms += 1
                _counter = 0
            ms = _last_ms
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | _counter << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)
