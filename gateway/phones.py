"""Phone numbers: parse to E.164 with a default region, and mask for logs."""

import re

import phonenumbers


class InvalidPhone(ValueError):
    """The text is not a valid phone number; the message says why."""


def parse_phone(raw: str, region: str) -> str:
    """Return ``raw`` as E.164, reading national numbers in ``region``.

    Letters are refused before parsing: phonenumbers reads three or more as a
    vanity number and two or fewer as noise, both of which would text the
    wrong person.
    """
    text = raw.strip()
    if not text:
        raise InvalidPhone("Enter a phone number.")
    if re.search(r"[^\d\s+().\-/\uff10-\uff19]", text):
        raise InvalidPhone("Use digits only, e.g. 0412 345 678 or +61 412 345 678.")
    try:
        number = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        raise InvalidPhone("That is not a phone number we can read.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("That number is not valid; check the digits.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str | None) -> str:
    """The last four digits only, for logs: ``+61412345678`` -> ``***5678``."""
    if not phone:
        return "-"
    return "***" + phone[-4:]
