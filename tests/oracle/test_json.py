"""The oracle's strict JSON reader: RFC 8259 and nothing more, numbers kept exactly."""

import json
import sys

import pytest

from oracle.json_text import MAX_DEPTH, JsonError, Number, parse_json


def deep(depth: int, opener: str = "[") -> str:
    closer = {"[": "]", '{"k":': "}"}[opener]
    return opener * depth + "0" + closer * depth


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("{}", {}),
        ("[]", []),
        (" [ ] ", []),
        (
            '{"a": [1, {"b": null}], "c": true, "d": false}',
            {"a": [Number("1"), {"b": None}], "c": True, "d": False},
        ),
        ('"\\u00e9\\ud83d\\ude00\\n"', "\u00e9\U0001f600\n"),
        ('"\\uD83D\\uDE00"', "\U0001f600"),
        ('"\\u0000"', "\x00"),
        ('"\x7f\u2028"', "\x7f\u2028"),
        ("-0.5e+10", Number("-0.5e+10")),
        ("12.50", Number("12.50")),
        ("1" * 400, Number("1" * 400)),  # no float, no int: the token as written
        ('{"a": {}, "b": []}', {"a": {}, "b": []}),
        ('[[], [[]], {"x": [{}]}]', [[], [[]], {"x": [{}]}]),
        ('{"": 1}', {"": Number("1")}),
    ],
)
def test_valid_texts(text, value):
    assert parse_json(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "{",
        "[1,]",
        '{"a":1,}',
        '{"a" 1}',
        '{"a":}',
        "{1: 2}",
        "[1 2]",
        "01",
        "1.",
        ".5",
        "+1",
        "1e",
        "-",
        "NaN",
        "-Infinity",
        "Infinity",
        "True",
        "nul",
        "'a'",
        '"\t"',  # a raw control character inside a string
        '"\\x41"',
        '"\\u12G4"',
        '"unterminated',
        "1 2",
        "{} {}",
        "[] x",
        "\ufeff{}",
        "\x0b{}",
        "\u00a0{}",
        '{"a": 1, "a": 1}',
        '{"a": 1, "\\u0061": 2}',
        '[{"a": 1}, {"b": {"c": 1, "c": 2}}]',
        '"\\ud800"',
        '"\\udc00"',
        '"\\ud83d\\u0041"',
        '"\\ude00\\ud83d"',
    ],
)
def test_invalid_texts(text):
    with pytest.raises(JsonError):
        parse_json(text)


def test_the_same_keys_in_different_objects_are_fine():
    assert parse_json('[{"a": 1}, {"a": 2}]') == [{"a": Number("1")}, {"a": Number("2")}]


@pytest.mark.parametrize("opener", ["[", '{"k":'])
def test_nesting_up_to_the_limit_whatever_the_stack_depth(opener):
    def at_stack_depth(levels: int, text: str) -> object:
        return parse_json(text) if levels == 0 else at_stack_depth(levels - 1, text)

    limit = sys.getrecursionlimit() - 100
    assert at_stack_depth(limit, deep(MAX_DEPTH, opener)) is not None
    with pytest.raises(JsonError, match="nested deeper"):
        parse_json(deep(MAX_DEPTH + 1, opener))
    with pytest.raises(JsonError, match="nested deeper"):
        parse_json(deep(100_000, opener))


def test_whatever_python_reads_strictly_it_reads_alike():
    texts = [
        '{"event_id": "e", "amount": 1, "tags": ["a", "b"], "n": null, "ok": true}',
        '[1, -2, "\\"quoted\\" \\\\ \\/ \\b\\f\\n\\r\\t", {"nested": {"deeper": []}}]',
        '"\\u00fc\\u4e2d\\ud834\\udd1e"',
    ]
    for text in texts:
        expected = json.loads(text, parse_int=Number, parse_float=Number)
        assert parse_json(text) == expected


def _outcome(parse, text: str) -> object:
    try:
        return parse(text)
    except JsonError:
        return JsonError


def test_the_fast_path_for_flat_objects_reads_as_the_general_parser():
    from oracle.json_text import _FLAT_OBJECT, _parse_any
    from tests.oracle.oracle_cases import CASES, generated_corpus

    values = [case.value for case in CASES if case.value is not None] + generated_corpus()
    texts = [value.decode("utf-8", "replace") for value in values]
    texts += ['{"a":"\\u0061","\\u0061":1}', '{"a":1 , "b" :"x\\"}", "c":null}', "{ }", "{"]
    flat = [text for text in texts if _FLAT_OBJECT.fullmatch(text)]  # others take the general path
    assert len(flat) > len(texts) // 2
    for text in flat:
        assert _outcome(parse_json, text) == _outcome(_parse_any, text), text
