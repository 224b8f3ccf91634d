"""INE checks: BEA (modulo 23 letter), university base 36 (digit), RNIE and apprentissage shapes."""

import pytest

from ecandidat_tui.services.ine import IneKind, bea_key, check_ine, ines_key, normalise_ine


# Worked by hand: 1234567890 = 23 * 53676864 + 18, and the 19th letter of
# A..Z without I, O, Q is V.
@pytest.mark.parametrize("ine, kind", [
    ("1234567890V", IneKind.BEA),
    ("0123456789M", IneKind.BEA),
    ("2803019876K", IneKind.BEA),
    # 6 * (1+10+2+11+3+12+4+13+5) + 14 = 380 -> key 0
    ("1A2B3C4D5E0", IneKind.INES),
    # 6 * (10+…+18) + 19 = 775 -> key 5
    ("ABCDEFGHIJ5", IneKind.INES),
    ("123456789AB", IneKind.RNIE),
    ("1234A12345F", IneKind.APPRENTISSAGE),
])
def test_valid_ines_are_recognised(ine, kind):
    result = check_ine(ine)
    assert result.valid, result.problem
    assert result.kind is kind


@pytest.mark.parametrize("ine", ["1234567890A", "0123456789N", "1A2B3C4D5E1", "ABCDEFGHIJ4"])
def test_a_wrong_key_is_refused(ine):
    result = check_ine(ine)
    assert not result.valid
    assert result.problem == "La clé de l'INE est incorrecte"


@pytest.mark.parametrize("ine, message", [
    ("123456789", "L'INE et sa clé comportent 11 caractères"),
    ("1234567890VV", "L'INE et sa clé comportent 11 caractères"),
    ("12345678-0V", "Le format de l'INE n'est pas reconnu"),
    ("12345678ABC", "Le format de l'INE n'est pas reconnu"),
])
def test_malformed_ines_are_refused(ine, message):
    assert check_ine(ine).problem == message


def test_lower_case_and_spaces_are_normalised():
    assert normalise_ine(" 12345 67890v ") == "1234567890V"
    assert check_ine("12345 67890v").valid


def test_keys_cover_the_whole_alphabet_and_skip_i_o_q():
    keys = {bea_key(f"{n:010d}") for n in range(23)}
    assert keys == set("ABCDEFGHJKLMNPRSTUVWXYZ")
    assert {ines_key(f"{n:010d}") for n in range(10)} == set("0123456789")
    with pytest.raises(ValueError):
        bea_key("12345")
