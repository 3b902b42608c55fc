"""Container codes: MOD 97-10 catches every single substitution and adjacent transposition,
and a scan is forgiven its surrounding white space and the case of its letter, nothing else."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nicu_milk.codes import (
    CODE_LENGTH,
    MAX_SERIAL,
    check_digits,
    container_code,
    looks_like_container,
    parse_container_code,
    read_scan,
    serial_of,
)

serials = st.integers(min_value=1, max_value=MAX_SERIAL)
codes = serials.map(container_code)
# Characters a scanner, a keyboard or a paste could put in a code's place.
DIGITS = "0123456789"
OTHER_CHARACTERS = "mMAZOoIl -_/.\t٠٣９０¹²"


@pytest.mark.parametrize(
    ("serial", "code"),
    [
        (12, "M0000001262"),
        (1, container_code(1)),
        (12345678, "M12345678" + check_digits("12345678")),
        (MAX_SERIAL, "M99999999" + check_digits("99999999")),
    ],
)
def test_issued_codes_parse_back(serial, code):
    assert container_code(serial) == code
    assert len(code) == CODE_LENGTH
    assert parse_container_code(code) == code
    assert serial_of(code) == serial


@pytest.mark.parametrize("serial", [0, -1, MAX_SERIAL + 1])
def test_serials_outside_the_range_are_refused(serial):
    with pytest.raises(ValueError, match="outside"):
        container_code(serial)


@pytest.mark.parametrize(
    "scanned",
    [
        " M0000001262",
        "M0000001262\r\n",
        "\tM0000001262\n",
        "M0000001262\r",
        "  M0000001262  ",
    ],
)
def test_surrounding_white_space_is_trimmed(scanned):
    assert parse_container_code(scanned) == "M0000001262"


@pytest.mark.parametrize(
    "scanned",
    [
        "",
        "   ",
        "M",
        "m",
        "m0000001263",  # lowercase, and the check digits fail
        "ｍ0000001262",  # fullwidth m: only the ASCII letter is read without regard to case
        "M00000 01262",  # inner space
        "M0000001262M",
        "MM0000001262",
        "M000000126",  # too short
        "M00000001262",  # too long
        "0000001262",  # no prefix
        "N0000001262",
        "M0000001263",  # check digits fail
        "M0000001226",  # adjacent check digits swapped
        "M٠٠٠٠٠٠١٢٦٢",  # Arabic-Indic digits, which \d and int() would accept
        "M000000126٢",
        "M００００００１２６２",  # fullwidth digits
        "M0000001262\x00",
        "M+000001262",
        "M-000001262",
        "M 000001262",
        "M0_00001262",
    ],
)
def test_nothing_else_is_forgiven(scanned):
    assert parse_container_code(scanned) is None


@pytest.mark.parametrize("scanned", ["M٠٠٠٠٠٠١٢٦٢", "M００００００１２６２", "ｍ0000001262"])
def test_lookalike_digits_do_not_even_look_like_a_container(scanned):
    assert not looks_like_container(scanned)


@pytest.mark.parametrize("scanned", ["m0000001262", " m0000001262\r\n", "\tM0000001262"])
def test_a_code_is_read_without_regard_to_case(scanned):
    # A scanner with Caps Lock on sends the letter in lower case.
    assert parse_container_code(scanned) == "M0000001262"
    assert read_scan(scanned) == read_scan("M0000001262")


def test_read_scan_tells_a_label_a_damaged_label_and_anything_else_apart():
    assert read_scan(" m0000001262\n").container == "M0000001262"
    damaged = read_scan("m0000001263")
    assert (damaged.text, damaged.container_shaped, damaged.container) == (
        "M0000001263",
        True,
        None,
    )
    wristband = read_scan(" mrn-7001 ")
    assert (wristband.text, wristband.container_shaped, wristband.container) == (
        "mrn-7001",
        False,
        None,
    )


def test_a_wrong_check_still_looks_like_a_container():
    # The scan page uses this to say "damaged label" instead of "not a bottle".
    assert looks_like_container("M0000001263")
    assert parse_container_code("M0000001263") is None


@given(codes)
def test_every_issued_code_is_valid(code):
    assert parse_container_code(code) == code
    assert code == container_code(serial_of(code))


@given(codes, st.integers(0, CODE_LENGTH - 1), st.sampled_from(DIGITS + OTHER_CHARACTERS))
def test_every_single_substitution_is_rejected(code, position, replacement):
    # The letter in the other case is the same code, not a substitution.
    assume(code[position].casefold() != replacement.casefold())
    changed = code[:position] + replacement + code[position + 1 :]
    assert parse_container_code(changed) is None


@given(codes)
def test_every_code_round_trips_in_either_case(code):
    assert parse_container_code(code) == code
    assert parse_container_code(code.lower()) == code
    assert container_code(serial_of(parse_container_code(code.lower()))) == code


@given(codes, st.integers(0, CODE_LENGTH - 1), st.characters(min_codepoint=0x80))
def test_any_non_ascii_character_is_refused(code, position, character):
    replaced = code[:position] + character + code[position + 1 :]
    inserted = code[:position] + character + code[position:]
    assume(not character.isspace() or 0 < position < CODE_LENGTH - 1)
    assert parse_container_code(inserted) is None
    assert parse_container_code(replaced) is None


@given(codes, st.integers(0, CODE_LENGTH - 2))
def test_every_adjacent_transposition_of_a_lower_case_scan_is_rejected(code, position):
    scanned = code.lower()
    assume(scanned[position] != scanned[position + 1])
    swapped = (
        scanned[:position] + scanned[position + 1] + scanned[position] + scanned[position + 2 :]
    )
    assert parse_container_code(swapped) is None


@given(codes)
def test_every_digit_substitution_of_a_code_is_rejected(code):
    # Exhaustive over one code: 10 positions times 9 other digits.
    for position in range(1, CODE_LENGTH):
        for digit in DIGITS:
            if digit != code[position]:
                changed = code[:position] + digit + code[position + 1 :]
                assert parse_container_code(changed) is None, changed


@given(codes)
def test_every_adjacent_transposition_is_rejected(code):
    for position in range(CODE_LENGTH - 1):
        first, second = code[position], code[position + 1]
        if first == second:
            continue  # swapping equal characters changes nothing
        swapped = code[:position] + second + first + code[position + 2 :]
        assert parse_container_code(swapped) is None, swapped


@given(codes, st.text(alphabet=" \t\r\n\x0b\x0c", max_size=4), st.text(" \t\r\n", max_size=4))
def test_any_surrounding_white_space_is_trimmed(code, before, after):
    assert parse_container_code(before + code + after) == code


@given(st.text(max_size=16))
def test_whatever_is_accepted_is_a_plain_ascii_code(text):
    # Almost no random text is a code: this states what any accepted one must be, and the
    # round-trip tests above show that codes are accepted.
    code = parse_container_code(text)
    assert code is None or (
        code == text.strip().upper() and code.isascii() and code == container_code(serial_of(code))
    )
