"""Logging set-up: one line per event, phone numbers already masked by callers."""

import logging
import os


def configure(level: str | None = None) -> None:
    """Configure the root logger once, from LOG_LEVEL (default INFO)."""
    root = logging.getLogger()
    if getattr(root, "_gateway_configured", False):
        return
    chosen = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(chosen)
    root._gateway_configured = True  # type: ignore[attr-defined]
