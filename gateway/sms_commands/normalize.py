"""Clean an inbound SMS body before it is matched against the command words.

Phones and keyboards send curly quotes, non-breaking spaces, full-width
letters, emoji and stray control characters; none of that should change
which command a worker meant. Case is kept: notes are shown as written.
"""

import base64
import binascii
import re
import unicodedata

# Quotes and dashes that NFKC leaves alone.
_LOOK_ALIKES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u02bc": "'", "\u00b4": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
    }
)  # fmt: skip
_LINE_BREAKS = frozenset("\t\n\r\x0b\x0c\x85")
# Punctuation trimmed from both ends; '#', '%', '&' and '@' can carry meaning.
_KEEP_AT_EDGES = frozenset("#%&@")
_EDGE_SYMBOLS = frozenset("+=<>^|~")
# Typed smileys as whole words; the emoji that replace them are dropped too.
_EMOTICON = re.compile(r"(?<!\S)(?:[:;=][-'^]?[()\[\]DPpOo/\\|*3]+|<3+)(?!\S)")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{6,}={0,2}")
# Command words (SAFE, DONE, COMMANDS) are valid base64 too; none is longer.
_LONGEST_WORD = 12


def normalize(body: str) -> str:
    """Fold look-alikes, drop emoji and controls, collapse spaces, trim ends.

    A body that is entirely base64 of readable text is replaced by that text.
    A body of only question marks (and other punctuation) becomes "?".
    """
    text = _fold(body)
    decoded = _from_base64(text)
    if decoded is not None:
        text = _fold(decoded)
    return _trim(text)


def _fold(text: str) -> str:
    # Translate again after NFKC: it turns the full-width grave into a backtick.
    text = unicodedata.normalize("NFKC", text.translate(_LOOK_ALIKES))
    kept = "".join(_fold_char(ch) for ch in text.translate(_LOOK_ALIKES))
    return " ".join(_EMOTICON.sub(" ", kept).split())


def _fold_char(ch: str) -> str:
    if ch.isascii() and (ch.isprintable() or ch == " "):
        return ch

    category = unicodedata.category(ch)
    if category[0] == "Z" or ch in _LINE_BREAKS:
        return " "
    # Controls, format marks (zero-width, bidi), surrogates, unassigned code
    # points, emoji and symbols, modifiers, variation selectors, keycaps.
    if category in ("Cc", "Cf", "Cs", "Co", "Cn", "So", "Sk", "Me"):
        return ""
    if unicodedata.name(ch, "").startswith("VARIATION SELECTOR"):
        return ""
    return ch


def _from_base64(text: str) -> str | None:
    if not _BASE64.fullmatch(text) or len(text) % 4 or len(text) < 8:
        return None
    if text.isalpha() and len(text) <= _LONGEST_WORD:
        return None

    try:
        decoded = base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded if _readable(decoded) else None


def _readable(text: str) -> bool:
    # Random bytes rarely decode to UTF-8 made of mostly letters and spaces.
    flat = " ".join(text.split())
    if not flat or not flat.isprintable():
        return False
    wordy = sum(ch.isalnum() or ch == " " for ch in flat)
    return any(ch.isalpha() for ch in flat) and wordy >= 0.7 * len(flat)


def _trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_edge(text[start]):
        start += 1
    while end > start and _is_edge(text[end - 1]):
        end -= 1

    # A lone question mark, or "??", asks for the command list.
    if start == end and "?" in text:
        return "?"
    return text[start:end]


def _is_edge(ch: str) -> bool:
    if ch == " " or ch in _EDGE_SYMBOLS:
        return True
    category = unicodedata.category(ch)
    return category in ("Po", "Pd", "Pi", "Pf", "Pc") and ch not in _KEEP_AT_EDGES
