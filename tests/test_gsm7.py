import pytest

from gateway.gsm7 import is_gsm7, segments, septets, to_gsm7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("\u20ac" * 80, 1),
        ("\u20ac" * 81, 2),
        ("\u00e1" * 70, 1),
        ("\u00e1" * 71, 2),
        ("\u00e1" * 134, 2),
        ("\u00e1" * 135, 3),
        ("\U0001f600" * 35, 1),
        ("\U0001f600" * 36, 2),
        ("a" * 1600, 11),
        ("", 1),
    ],
)
def test_it_counts_segments_like_the_twilio_worked_examples(
    text: str, expected: int
) -> None:
    body = text

    count = segments(body)

    assert count == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a" * 160, 160), ("\u20ac" * 80, 160), ("[x]", 5), ("", 0), ("{}|~^\\", 12)],
)
def test_extension_characters_cost_two_septets(text: str, expected: int) -> None:
    body = text

    count = septets(body)

    assert count == expected


def test_an_escape_pair_is_not_split_across_parts() -> None:
    body = "a" * 152 + "\u20ac" + "a" * 152

    count = segments(body)

    assert (septets(body), count) == (306, 3)


def test_a_surrogate_pair_is_not_split_across_parts() -> None:
    body = "a" * 66 + "\U0001f600" + "a" * 66

    count = segments(body)

    assert count == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Journey started. Due 17:30 AWST (in 2h).", True),
        (
            "\u00e9\u00fc\u00c4\u00f1\u00c7\u00df\u00c6\u00d8\u00e5\u00a7\u00bf\u00a1",
            True,
        ),
        ("\u0394\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e", True),
        ("[{}]~|^\\\u20ac\n\r\f", True),
        ("`", False),
        ("\u00e7", False),
        ("\u00e1", False),
        ("\u2019", False),
        ("\u2014", False),
        ("\u2026", False),
        ("\u00a0", False),
        ("\U0001f600", False),
        ("\x1b", False),
    ],
)
def test_it_knows_the_gsm7_alphabet(text: str, expected: bool) -> None:
    body = text

    result = is_gsm7(body)

    assert result is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguy\u1ec5n", "Nguyen"),
        ("Fran\u00e7ois", "Francois"),
        ("\u00c1lvaro Ib\u00e1\u00f1ez", "Alvaro Iba\u00f1ez"),
        (
            "Jos\u00e9 M\u00fcller \u00c4rger Pe\u00f1a",
            "Jos\u00e9 M\u00fcller \u00c4rger Pe\u00f1a",
        ),
        ("O\u2019Brien", "O'Brien"),
        ("\u201cNewman\u201d", '"Newman"'),
        ("Newman \u2013 Hedland \u2014 Perth", "Newman - Hedland - Perth"),
        ("wait\u2026", "wait..."),
        ("a\u00a0b", "a b"),
        ("camp \U0001f3d5\ufe0f ok", "camp  ok"),
        ("\u0141\u00f3d\u017a", "Lodz"),
        ("\u00c5se \u00d8stby", "\u00c5se \u00d8stby"),
        ("\uff2e\uff45\uff57\uff4d\uff41\uff4e", "Newman"),
        ("\ufb01eld", "field"),
        ("\u0418\u0432\u0430\u043d", "Ivan"),
        ("\u738b\u4f1f", "WangWei"),
        ("tab\there", "tab here"),
        ("`quoted`", "'quoted'"),
        ("\u00e0 \u00e8 \u00ec \u00f2 \u00f9", "\u00e0 \u00e8 \u00ec \u00f2 \u00f9"),
        ("\u00ea\u00ee\u00f4\u00fb\u00ed\u00f3\u00fa", "eiouiou"),
    ],
)
def test_it_transliterates_to_gsm7(text: str, expected: str) -> None:
    body = text

    result = to_gsm7(body)

    assert result == expected and is_gsm7(result)
