"""Last-name matching that forgives case, accents, spaces and punctuation."""

import unicodedata

# Letters that do not decompose into a base letter plus an accent.
_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})


def fold(name: str) -> str:
    """Lower-case ASCII letters only: "O'Brien" -> "obrien", "Nguyễn" -> "nguyen"."""
    text = unicodedata.normalize("NFKD", name.casefold().translate(_FOLD))
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def matches(reply: str, first: str, last: str) -> bool:
    """True when the reply is the last name, or first and last name together."""
    given = fold(reply)
    if not given:
        return False
    return given in (fold(last), fold(first + last), fold(last + first))
