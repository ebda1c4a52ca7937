"""Escalation: what happens, and when, after a worker goes silent."""
