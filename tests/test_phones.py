"""Phone numbers: parsed with a default region, masked in logs."""

import pytest

from gateway.phones import InvalidPhone, mask, parse_phone


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("0491 570 006", "AU", "+61491570006"),
        ("+61 491 570 006", "US", "+61491570006"),
        ("0011 61 491 570 006", "AU", "+61491570006"),
        ("(201) 555-0123", "US", "+12015550123"),
        ("07911 123456", "GB", "+447911123456"),
        ("021 123 4567", "NZ", "+64211234567"),
        ("０４９１ ５７０ ００６", "AU", "+61491570006"),
    ],
)
def test_valid_numbers_become_e164(raw, region, e164):
    assert parse_phone(raw, region) == e164


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "0412 345 ABC", "0412 34x 678", "555-0123", "000", "1" * 300],
)
def test_invalid_numbers_are_refused_with_a_message(raw):
    with pytest.raises(InvalidPhone) as error:
        parse_phone(raw, "AU")

    assert str(error.value)


def test_mask_keeps_only_the_last_four_digits():
    assert mask("+61491570006") == "***0006"
    assert mask(None) == "-"
