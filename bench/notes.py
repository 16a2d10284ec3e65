"""Observations on where the service spends its time, written after a full run (see the
date in docs/performance.md); re-check them when the figures change."""

NOTES: list[str] = []
