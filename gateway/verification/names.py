"""Last-name matching that forgives case, accents, spaces and punctuation."""

import unicodedata

from anyascii import anyascii

# Letters that do not decompose into a base letter plus an accent.
_FOLD = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "æ": "ae", "œ": "oe"}
)


def fold(name: str) -> str:
    """Letters and digits only, lower case, accents gone: "O'Brien" -> "obrien".

    Letters of other scripts are kept, so "Иванов" still matches "иванов".
    """
    text = unicodedata.normalize("NFKD", name.casefold().translate(_FOLD))
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch))


def matches(reply: str, first: str, last: str) -> bool:
    """True when the reply is the last name, or first and last name together.

    A name in another script also matches its Latin reading, since a phone
    may not have that keyboard: "Ivanov" matches "Иванов".
    """
    given = fold(reply)
    if not given:
        return False
    spellings = {(first, last), (anyascii(first), anyascii(last))}
    return any(
        given in (fold(surname), fold(given_name + surname), fold(surname + given_name))
        for given_name, surname in spellings
    )
