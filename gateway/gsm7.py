"""The GSM-7 alphabet: segment counts and transliteration for outbound SMS.

Tables follow 3GPP TS 23.038 as summarised in TWILIO.md section 5.
"""

import unicodedata

from anyascii import anyascii

# The basic table without ESC (0x1B), which only introduces extension pairs.
_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Each of these is sent as ESC plus a code, so it costs two septets.
_EXTENSION = frozenset("\f^{}\\[~]|€")
_GSM7 = _BASIC | _EXTENSION

_SINGLE_GSM7, _PART_GSM7 = 160, 153
_SINGLE_UCS2, _PART_UCS2 = 70, 67

# Look-alikes that decomposition does not reach; most force UCS-2 if sent as is.
_REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "`": "'", "\u00b4": "'", "\u02bc": "'", "\u02bb": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\t": " ", "\u00a0": " ", "\u2022": "-", "\u00b7": ".",
    "ç": "c", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
    "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i", "ĸ": "k",
}  # fmt: skip


def is_gsm7(text: str) -> bool:
    """True when every character fits the GSM-7 basic or extension table."""
    return all(ch in _GSM7 for ch in text)


def septets(text: str) -> int:
    """Septets needed to send GSM-7 text; extension characters count two."""
    return sum(2 if ch in _EXTENSION else 1 for ch in text)


def segments(text: str) -> int:
    """How many SMS segments Twilio bills for text (an empty text is one)."""
    if is_gsm7(text):
        costs = [2 if ch in _EXTENSION else 1 for ch in text]
        return _count_parts(costs, _SINGLE_GSM7, _PART_GSM7)
    # Characters beyond the BMP travel as UTF-16 surrogate pairs.
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return _count_parts(costs, _SINGLE_UCS2, _PART_UCS2)


def _count_parts(costs: list[int], single: int, part: int) -> int:
    if sum(costs) <= single:
        return 1

    # An escape pair or a surrogate pair is never split across two parts.
    parts, used = 1, 0
    for cost in costs:
        if used + cost > part:
            parts, used = parts + 1, 0
        used += cost
    return parts


def to_gsm7(text: str) -> str:
    """Transliterate text to the GSM-7 alphabet, so one reply stays one segment.

    Accents outside the alphabet are stripped (Nguyễn -> Nguyen), emoji and
    symbols are dropped and letters of other scripts are read in Latin
    letters (Иванов -> Ivanov); what has no reading becomes '?'.
    """
    return "".join(_to_gsm7_char(ch) for ch in text)


def _to_gsm7_char(ch: str) -> str:
    if ch in _GSM7:
        return ch
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]

    # Compatibility decomposition covers accents, full-width forms and ligatures.
    base = "".join(
        c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
    )
    if base and all(c in _GSM7 or c in _REPLACEMENTS for c in base):
        return "".join(_REPLACEMENTS.get(c, c) for c in base)

    category = unicodedata.category(ch)
    if category.startswith("Z"):
        return " "
    if category[0] in "LN":
        # Other scripts: a Latin reading keeps a name or a note legible
        # ("Иванов" -> "Ivanov", "王" -> "Wang") where "?" would lose it.
        latin = anyascii(ch)
        return latin if latin and all(c in _GSM7 for c in latin) else "?"
    return ""
