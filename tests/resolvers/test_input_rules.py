"""The input rules every surface applies where client values enter
(resolvers/input_rules.py): the JSON reader's depth, the integer parser, the string rule."""

import pytest

from resolvers.errors import Invalid
from resolvers.input_rules import MAX_JSON_DEPTH, check_value, decode_json, whole_number


def test_the_depth_limit_is_the_parsers_own_and_is_exact():
    nested = lambda depth: b"[" * depth + b"]" * depth  # noqa: E731
    assert decode_json(nested(MAX_JSON_DEPTH)) is not None
    with pytest.raises(Invalid) as refused:
        decode_json(nested(MAX_JSON_DEPTH + 1))
    assert refused.value.reason == "json_too_deep"


def test_values_are_checked_wherever_they_sit():
    check_value({"a": [1, "ok", {"b": 2**63 - 1, "c": -(2**63)}]})
    for bad, reason in (({"a": ["x\x00"]}, "nul_character"), ({"k\x00": 1}, "nul_character"),
                        ([[2**63]], "number_out_of_range"), ({"n": -(2**63) - 1},
                                                            "number_out_of_range")):
        with pytest.raises(Invalid) as refused:
            check_value(bad)
        assert refused.value.reason == reason
    assert whole_number(" 42 ", "n") == 42 and whole_number("-7", "n") == -7
    for raw in ("1e3", "0x10", "", "9" * 5000, str(2**63), True, 1.5):
        with pytest.raises(Invalid):
            whole_number(raw, "n")


def test_the_reader_finds_every_value_the_rules_refuse():
    """Bodies skip the walk when no 19-digit run or \\u0000 escape could hide a refused
    value; these sit right at those edges."""
    assert decode_json(b'{"n": [9223372036854775807, -9223372036854775808]}')
    assert decode_json(b'{"t": "\\\\u0000 is only text here"}')
    for raw in (b"[9223372036854775808]", b'{"a": {"b": -9223372036854775809}}',
                b'["x\\u0000"]', b'{"k\\u0000": 1}'):
        with pytest.raises(Invalid):
            decode_json(raw)
