"""The worker's and contacts' SMS commands: clean, parse, and read times."""

from gateway.sms_commands.normalize import normalize
from gateway.sms_commands.parse import Command, Verb, parse
from gateway.sms_commands.when import (
    ClockTime,
    Duration,
    WhenSpec,
    format_local,
    format_span,
    parse_when,
    resolve,
)

__all__ = [
    "ClockTime",
    "Command",
    "Duration",
    "Verb",
    "WhenSpec",
    "format_local",
    "format_span",
    "normalize",
    "parse",
    "parse_when",
    "resolve",
]
