"""Last names match forgiving case, accents, spaces, hyphens and apostrophes."""

import pytest

from gateway.verification.names import fold, matches

MATCHES = [
    ("nguyen", "Jane", "Nguyễn"),
    ("NGUYEN", "Jane", "Nguyễn"),
    ("Nguyễn", "Jane", "Nguyễn"),
    ("Jane Nguyen", "Jane", "Nguyễn"),
    ("nguyen jane", "Jane", "Nguyễn"),
    ("o'brien", "Liam", "O'Brien"),
    ("O\u2019Brien", "Liam", "O'Brien"),
    ("obrien", "Liam", "O'Brien"),
    ("O Brien.", "Liam", "O'Brien"),
    ("smith-jones", "Ann", "Smith-Jones"),
    ("Smith Jones", "Ann", "Smith-Jones"),
    ("smithjones", "Ann", "Smith-Jones"),
    ("Van der Berg", "Piet", "van der Berg"),
    ("vanderberg", "Piet", "van der Berg"),
    ("Piet van der Berg", "Piet", "van der Berg"),
    ("macdonald", "Ewan", "MacDonald"),
    ("Mac Donald", "Ewan", "MacDonald"),
    ("  MACDONALD  ", "Ewan", "MacDonald"),
    ("muller", "Jens", "Müller"),
    ("strasse", "Jens", "Straße"),
    ("wojcik", "Ola", "Wójcik"),
    ("lukasz", "Ola", "Łukasz"),
    ("yilmaz", "Ayse", "Yılmaz"),
    ("иванов", "Ivan", "Иванов"),
    ("ｎｇｕｙｅｎ", "Jane", "Nguyễn"),
]

NEAR_MISSES = [
    ("nguyn", "Jane", "Nguyễn"),
    ("nguyenn", "Jane", "Nguyễn"),
    ("Jane", "Jane", "Nguyễn"),
    ("brien", "Liam", "O'Brien"),
    ("smith", "Ann", "Smith-Jones"),
    ("jones", "Ann", "Smith-Jones"),
    ("berg", "Piet", "van der Berg"),
    ("mcdonald", "Ewan", "MacDonald"),
    ("donald", "Ewan", "MacDonald"),
    ("mueller", "Jens", "Müller"),
    ("", "Jane", "Nguyễn"),
    ("'-- ", "Jane", "Nguyễn"),
    ("Nguyen Jane Doe", "Jane", "Nguyễn"),
    ("Jane Nguyen please", "Jane", "Nguyễn"),
]


@pytest.mark.parametrize(("reply", "first", "last"), MATCHES)
def test_a_forgiving_spelling_of_the_last_name_matches(reply, first, last):
    assert matches(reply, first, last)


@pytest.mark.parametrize(("reply", "first", "last"), NEAR_MISSES)
def test_a_near_miss_does_not_match(reply, first, last):
    assert not matches(reply, first, last)


def test_folding_keeps_letters_and_digits_only():
    assert fold("O'Brien-Smith van Dyke") == "obriensmithvandyke"
    assert fold("Nguyễn") == "nguyen"


def test_a_name_in_another_script_matches_its_latin_reading():
    from gateway.verification.names import matches

    assert matches("Ivanov", "Ivan", "Иванов")
    assert matches("иванов", "Ivan", "Иванов")
    assert not matches("Ivanova", "Ivan", "Иванов")
