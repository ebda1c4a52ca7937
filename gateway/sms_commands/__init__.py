"""The worker's and contacts' SMS commands: normalise, parse, read times."""

from gateway.sms_commands.parse import Command, Verb, parse
from gateway.sms_commands.when import ClockTime, Duration, WhenSpec

__all__ = ["ClockTime", "Command", "Duration", "Verb", "WhenSpec", "parse"]
