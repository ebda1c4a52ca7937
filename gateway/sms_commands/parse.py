"""Turn an inbound SMS body into a Command; pure, and never raises.

The costliest mistake is closing a journey the worker did not mean to close:
nobody would be alerted. So an arrival word followed by a time ("home in
20"), negated ("not home yet"), put in the future ("I'll be home") or, for
the words that only sometimes mean it (OK, IN, HOME, SAFE, DONE), hedged
("ok but bogged") comes back UNKNOWN instead.

Carrier opt-out words count only as the whole body, as Twilio matches them;
"stop please" is UNKNOWN and gets the usual "did not understand" reply.
"""

import enum
import re
from dataclasses import dataclass

from gateway.sms_commands.normalize import normalize
from gateway.sms_commands.when import WhenSpec, parse_when


class Verb(enum.Enum):
    START = "start"
    ARRIVED = "arrived"
    EXTEND = "extend"
    STATUS = "status"
    HELP = "help"
    SOS = "sos"
    ACK = "ack"
    PASS = "pass"
    RESOLVED = "resolved"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    UNKNOWN = "unknown"
    EMPTY = "empty"


@dataclass(frozen=True)
class Command:
    verb: Verb
    text: str
    when: WhenSpec | None = None
    note: str = ""
    ref: int | None = None
    # The body was the START keyword alone: Twilio's opt-in word, not a journey.
    bare: bool = False


_VERBS = {
    Verb.START: "start begin leaving go starting",
    Verb.ARRIVED: "arrived arrive safe in ok okay done home checkin checkedin",
    Verb.EXTEND: "extend ext delay late more delayed extending extended",
    Verb.STATUS: "status when",
    Verb.HELP: "help info ? menu commands",
    Verb.SOS: "sos emergency mayday panic",
    Verb.ACK: "ack acknowledge acknowledged",
    Verb.PASS: "pass",
    Verb.RESOLVED: "resolved resolve found clear cleared",
}
_WORDS = {word: verb for verb, words in _VERBS.items() for word in words.split()}
_PHRASES = {
    ("check", "in"): Verb.ARRIVED,
    ("checked", "in"): Verb.ARRIVED,
    ("help", "me"): Verb.SOS,
    ("running", "late"): Verb.EXTEND,
}
_OPT_OUT = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
)
_OPT_IN = frozenset({"yes", "unstop"})

_GREETINGS = frozenset({"hi", "hey", "hello", "gday", "yo", "morning"})
# Skipped before the verb: "I'm home", "I'll be late 20", "please help".
_FILLERS = _GREETINGS | frozenset(
    {
        "i", "im", "am", "ive", "have", "has", "just", "now", "please", "pls", "plz",
        "yes", "yeah", "yep", "ya", "ill", "will", "be", "need", "running",
    }
)  # fmt: skip
_WEAK_ARRIVALS = frozenset({"ok", "okay", "in", "safe", "home", "done", "arrive"})
_NEGATIONS = frozenset(
    {
        "not", "no", "yet", "soon", "nearly", "almost", "later", "never", "cant",
        "wont", "isnt", "arent", "havent", "hasnt", "didnt", "dont",
    }
)  # fmt: skip
# Words that turn a weak "ok" or "home" into news of trouble: "ok leg broken"
# must never close a journey and tell the contacts the worker is safe.
_TROUBLE = frozenset(
    {
        "help", "hurt", "hurts", "injured", "injury", "broken", "broke", "break",
        "stuck", "bogged", "bog", "crash", "crashed", "rolled", "accident",
        "bleeding", "blood", "sick", "unwell", "lost", "trouble", "problem",
        "flat", "puncture", "breakdown", "fire", "smoke", "snake", "bitten",
        "bite", "fell", "fall", "fallen", "emergency", "sos", "police",
        "ambulance", "hospital", "late", "delayed", "flood", "flooded", "pain",
        "dizzy", "attacked", "danger", "unsafe", "scared", "stranded", "hit",
        "collision", "overturned", "fuel", "battery", "dead", "need", "send",
        "cant", "wont", "not", "no", "but", "except", "apart",
    }
)  # fmt: skip
# The part of _TROUBLE that is news even after an explicit ARRIVED.
_INJURY = _TROUBLE - frozenset(
    {"late", "delayed", "need", "send", "cant", "wont", "not", "no", "but"}
    | {"except", "apart", "flat", "puncture", "fuel", "battery", "dead", "lost"}
)
# "I'll be home", "will check in at 5": an arrival still to come.
_FUTURE = frozenset({"ill", "will", "be"})
_EXTEND_SKIP = frozenset(
    {"time", "me", "it", "my", "journey", "trip", "please", "pls", "another", "extra"}
)
_REF_SKIP = frozenset({"alert", "ref", "no", "number"})


def parse(body: str) -> Command:
    """Read one inbound SMS; the first word (after fillers) is the verb."""
    text = normalize(body)
    if text == "?":
        return Command(Verb.HELP, body)
    if not any(ch.isalnum() for ch in text):
        return Command(Verb.EMPTY, body)

    words = text.split(" ")
    if len(words) == 1:
        keyword = _whole_body_keyword(_key(text), body)
        if keyword is not None:
            return keyword
    return _parse_words(_split_glued(words), body)


def _whole_body_keyword(key: str, body: str) -> Command | None:
    if key in _OPT_OUT:
        return Command(Verb.OPT_OUT, body)
    if key in _OPT_IN:
        return Command(Verb.OPT_IN, body)
    if key == "start":
        return Command(Verb.START, body, bare=True)
    return None


def _key(word: str) -> str:
    # "I'm" -> "im", "check-in" -> "checkin", "S.O.S" -> "sos".
    return re.sub(r"[\W_]", "", word.casefold()) or ("?" if "?" in word else "")


def _split_glued(words: list[str]) -> list[str]:
    # "ext30", "start2h", "ack#42": a verb run into its argument.
    match = re.fullmatch(r"([A-Za-z]+)#?(\d\S*)", words[0])
    if match is None or match[1].casefold() not in _WORDS:
        return words
    return [match[1], match[2], *words[1:]]


@dataclass(frozen=True)
class _Match:
    verb: Verb
    word: str
    before: list[str]
    rest: list[str]
    body: str
    nested: bool

    @property
    def rest_keys(self) -> list[str]:
        return [_key(word) for word in self.rest]


def _parse_words(words: list[str], body: str, nested: bool = False) -> Command:
    keys = [_key(word) for word in words]
    start = 0
    while start < min(len(keys) - 1, 4) and keys[start] in _FILLERS:
        start += 1

    found = _match_verb(keys, start)
    if found is None:
        return Command(Verb.UNKNOWN, body)
    verb, word, used = found
    match = _Match(verb, word, keys[:start], words[start + used :], body, nested)
    return _BUILDERS.get(verb, _with_note)(match)


def _match_verb(keys: list[str], pos: int) -> tuple[Verb, str, int] | None:
    pair = (keys[pos], keys[pos + 1] if pos + 1 < len(keys) else "")
    if pair in _PHRASES:
        return _PHRASES[pair], " ".join(pair), 2
    if keys[pos] in _WORDS:
        return _WORDS[keys[pos]], keys[pos], 1

    word = _typo_word(keys[pos])
    return None if word is None else (_WORDS[word], word, 1)


def _with_note(match: _Match) -> Command:
    return Command(match.verb, match.body, note=_note(match.rest))


def _note(words: list[str]) -> str:
    return " ".join(words).strip(" -,;:.")


def _start(match: _Match) -> Command:
    when, note = _when_and_note(match.rest)
    return Command(Verb.START, match.body, when=when, note=note)


def _extend(match: _Match) -> Command:
    rest = list(match.rest)
    while rest and _key(rest[0]) in _EXTEND_SKIP:
        rest.pop(0)
    when, note = _when_and_note(rest)
    return Command(Verb.EXTEND, match.body, when=when, note=note)


def _when_and_note(words: list[str]) -> tuple[WhenSpec | None, str]:
    when, used = parse_when(words)
    if when is not None:
        return when, _note(words[used:])

    # "START to Newman 3h": a time at the end, unless it is a bare number,
    # which is likelier a site or road number than minutes.
    for pos in range(max(1, len(words) - 6), len(words)):
        when, used = parse_when(words[pos:])
        bare = len(words) - pos == 1 and words[pos].isdigit()
        if when is not None and pos + used == len(words) and not bare:
            return when, _note(words[:pos])
    return None, _note(words)


def _arrived(match: _Match) -> Command:
    keys = match.rest_keys
    future = _FUTURE.intersection(match.before)
    if future or _NEGATIONS.intersection(keys[:3]) or parse_when(match.rest)[1]:
        return Command(Verb.UNKNOWN, match.body)
    if match.word not in _WEAK_ARRIVALS or not keys or match.nested:
        # Even a plain ARRIVED that reports an injury or a breakdown must not
        # stand the alert down: it goes to the contacts as the worker's words.
        if _INJURY.intersection(keys):
            return Command(Verb.UNKNOWN, match.body)
        return _with_note(match)

    # "ok extend 30", "safe, status?": the second word carries the verb.
    inner = _parse_words(match.rest, match.body, nested=True)
    if inner.verb not in (Verb.UNKNOWN, Verb.ARRIVED):
        return inner
    # IN says little on its own: "in the ute" is no arrival, "in safe" is.
    if _TROUBLE.intersection(keys) or (
        match.word == "in" and inner.verb is not Verb.ARRIVED
    ):
        return Command(Verb.UNKNOWN, match.body)
    return _with_note(match)


def _help(match: _Match) -> Command:
    # HELP with anything but a greeting or another menu word is a call for help.
    menu = {word for word, verb in _WORDS.items() if verb is Verb.HELP}
    others = [k for k in match.before + match.rest_keys if k not in _GREETINGS | menu]
    if match.word != "help" or not others:
        return Command(Verb.HELP, match.body)
    rest = match.rest[1:] if match.rest_keys[:1] == ["me"] else match.rest
    return Command(Verb.SOS, match.body, note=_note(rest))


def _contact(match: _Match) -> Command:
    rest = list(match.rest)
    while rest and _key(rest[0]) in _REF_SKIP:
        rest.pop(0)
    found = re.fullmatch(r"#?(\d+)\W*", rest[0]) if rest else None
    if found is None:
        return Command(match.verb, match.body, note=_note(rest))
    return Command(match.verb, match.body, ref=int(found[1]), note=_note(rest[1:]))


_BUILDERS = {
    Verb.START: _start,
    Verb.EXTEND: _extend,
    Verb.ARRIVED: _arrived,
    Verb.HELP: _help,
    Verb.ACK: _contact,
    Verb.PASS: _contact,
    Verb.RESOLVED: _contact,
}


# One typo is forgiven in verbs of five letters or more, but only when the
# word is near exactly one verb, near no opt-out or short command word, and
# is not itself a common word ("stare", "relay", "statue"). FOUND and CLEAR
# close an alert and sit among too many real words ("sound", "clean").
_TYPO_TARGETS = {
    word: verb
    for word, verb in _WORDS.items()
    if len(word) >= 5 and word not in ("found", "clear")
}
_PROTECTED = _OPT_OUT | _OPT_IN | {word for word in _WORDS if len(word) < 5}
_REAL_WORDS = frozenset(
    {
        "stars", "stare", "smart", "stark", "star", "stat", "tart", "staring",
        "starling", "began", "begun", "heaving", "weaving", "leaning", "leafing",
        "leaking", "leasing", "checking", "extent", "relay", "decay", "belay",
        "relayed", "decayed", "belayed", "statue", "stratus", "commando", "commends",
        "manic", "revolve", "revolved",
    }
)  # fmt: skip


def _typo_word(key: str) -> str | None:
    if len(key) < 4 or not key.isalpha() or key in _REAL_WORDS:
        return None
    if any(_one_edit(key, word) for word in _PROTECTED):
        return None

    near = [word for word in _TYPO_TARGETS if _one_edit(key, word)]
    if len({_WORDS[word] for word in near}) != 1:
        return None
    # "arrivd" is near ARRIVED and ARRIVE; the weaker reading is the safer one.
    return min(near, key=lambda word: word not in _WEAK_ARRIVALS)


def _one_edit(a: str, b: str) -> bool:
    """True when a becomes b by one insertion, deletion, substitution or
    swap of adjacent letters (a equal to b counts too)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) != len(b):
        short, long = sorted((a, b), key=len)
        return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))

    diffs = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diffs) <= 1:
        return True
    i, j = diffs[0], diffs[-1]
    return len(diffs) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
