"""What the phone being bound is told. Each text fits one GSM-7 segment."""

from gateway.gsm7 import septets, to_gsm7

SEGMENT = 160

ASK_NAME = "Reply with your last name to confirm this number."
BAD_CODE = "That code is not valid. Check it with your administrator and try again."
EXPIRED = "That code has expired. Ask your administrator for a new one."
NAME_RETRY = "That name does not match. Reply with your last name as registered."
BURNED = "That name does not match. This code is now cancelled; ask for a new one."
CONFIRM_LOCKED = (
    "That name does not match. This number was not confirmed; "
    "ask your administrator to try again."
)


def _shorten(name: str, room: int) -> str:
    """The name in GSM-7, cut with "..." if it needs more than ``room`` septets."""
    name = to_gsm7(name).strip()
    if septets(name) <= room:
        return name
    while name and septets(name) > room - 3:
        name = name[:-1]
    return name.rstrip() + "..."


def _fit(before: str, name: str, after: str) -> str:
    return before + _shorten(name, SEGMENT - septets(before + after)) + after


def confirm_number(org_name: str) -> str:
    """The text a changed number gets, asking it to confirm with the last name."""
    before = "Reply with your last name to confirm this number for "
    return _fit(before, org_name, " check-ins.")


def bound(first_name: str, org_name: str) -> str:
    """The reply that ends a binding: whose number it is now and how to start."""
    before = f"Thanks {_shorten(first_name, 20)}, this number is confirmed for "
    return _fit(before, org_name, ". To start a journey text e.g. START 2h Newman.")
