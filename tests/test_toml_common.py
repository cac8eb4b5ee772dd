"""The one-pass reader of a spec's common shape (tomlcommon.py) agrees with tomllib and the scanner.

It may decline any document (tomllib then reads it); whatever it reads it must read exactly as
tomllib does, types included, with the positions tomlscan finds, and it must decline every
document tomllib refuses. Hypothesis writes documents from lines that are common, nearly common
(a duplicate key, a table defined twice, a number TOML refuses, an escape) and not common at all.
"""
from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cellrules.tomlcommon import read_common
from cellrules.tomlfile import parse_toml, tomllib
from cellrules.tomlscan import positions
from conftest import REPO

_KEYS = ["a", "b", "name", "x-1", "1", "material", "A_b"]
_VALUES = [
    '"x"', '"a # b"', '"\u00e9\u2028"', '""', '"\\n"', '"a\\"b"', "'lit \"q\"'", "''", '"""ml"""', "'''ml'''",
    "1", "-0", "+1", "01", "1_000", "1__0", "1_", "1.5", "1.", ".5", "1e5", "1E-05", "1.5e+3", "-0.0", "6.02e23",
    "0x1F", "0o7", "0b1", "inf", "-nan", "1979-05-27", "1979-05-27T07:32:00Z", "07:32:00", "1" * 120,
    "true", "false", "True", "[]", "[1, 2]", "[\"a\", 'b',]", "[1,,2]", "[[1], 2]", '[ "a" "b" ]', "[1, 2.5, true]",
    "{ a = 1 }", "x", "",
]
_HEADERS = ["[cell]", "[anode]", "[ cell ]", "[[interlayer]]", "[[ interlayer ]]", "[[cell]]", "[cell]]", "[[a]",
            "[a.b]", '["q"]', "[]", "[a] # note", "[[a]] #"]
_SUFFIXES = ["", " ", " # c", "#c", ' # "]', "\t"]


@st.composite
def lines(draw) -> str:
    kind = draw(st.sampled_from(["pair", "pair", "pair", "header", "blank", "comment", "other"]))
    indent = draw(st.sampled_from(["", "", "  ", "\t"]))
    if kind == "pair":
        space = draw(st.sampled_from([" = ", "=", " =\t"]))
        line = f"{draw(st.sampled_from(_KEYS))}{space}{draw(st.sampled_from(_VALUES))}"
    elif kind == "header":
        line = draw(st.sampled_from(_HEADERS))
    elif kind == "blank":
        line = ""
    elif kind == "comment":
        line = "# " + draw(st.sampled_from(["note", "x = 1", "[cell]", "\u00e9"]))
    else:
        line = draw(st.sampled_from(['a.b = 1', '"q" = 1', "a = 1\x01", "a = \"\x7f\"", "a = 1 2", "= 1", "a"]))
    return indent + line + draw(st.sampled_from(_SUFFIXES))


@st.composite
def documents(draw) -> str:
    body = draw(st.lists(lines(), max_size=14))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    return newline.join(body) + draw(st.sampled_from([newline, ""]))


def _same(a, b) -> bool:
    """Equal, and of the same types all through (1 is not 1.0 is not True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)


def _agrees(text: str) -> bool:
    """Whether the one-pass reader agreed with tomllib and the scanner; True when it took the text."""
    common = read_common(text)
    try:
        expected = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        assert common is None, f"read what tomllib refuses:\n{text!r}"
        return False
    if common is None:
        return False
    data, found = common
    assert _same(data, expected), f"{data} != {expected} for:\n{text!r}"
    assert found == positions(text), f"positions differ for:\n{text!r}"
    return True


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_what_it_reads_it_reads_as_tomllib_and_the_scanner_do(text):
    _agrees(text)


def test_shipped_specs_are_read_in_one_pass_and_read_alike():
    # The fast path must stay the common path: most shipped specs take it, and all agree.
    files = sorted([*(REPO / "examples").rglob("*.toml"), *(REPO / "rules" / "cases").rglob("*.toml")])
    taken = sum(_agrees(path.read_text(encoding="utf-8")) for path in files)
    assert taken >= 0.8 * len(files), f"only {taken} of {len(files)} specs were read in one pass"


def test_a_long_line_of_another_shape_is_read_in_linear_time():
    # Both readers match line by line, anchored: a line that is not of the common shape must never make
    # them search on through every later offset (quadratic: a 1 MB line took hours). Each case here is
    # read in milliseconds; a quadratic reader would not finish.
    letters = "a" * 900_000
    for text in (f'x = """{letters}"""\n', f"y = 1\n{letters}", f"x = [{'1,' * 300_000}\n", f"[{letters}\n"):
        try:
            document = parse_toml(text.encode(), "long.toml")
        except Exception as error:  # noqa: BLE001 - malformed: tomllib's error, located
            assert "malformed TOML" in str(getattr(error, "message", error))
        else:
            assert document.data


def test_a_document_it_declines_is_read_by_tomllib_with_its_errors(tmp_path):
    # Declining is not diagnosing: tomllib reads the rest, and its errors keep their positions.
    for text, message in (('[cell]\nname = "x"\nname = "y"\n', "malformed TOML"),
                          ("[cell]\n[cell]\n", "declared twice"), ("x = 01\n", "malformed TOML")):
        assert read_common(text) is None
        try:
            parse_toml(text.encode(), "bad.toml")
        except Exception as error:  # noqa: BLE001 - the error class is the caller's
            assert message in str(error) or message in getattr(error, "message", "")
        else:
            raise AssertionError(f"accepted: {text!r}")
    document = parse_toml(b'[cell]\nname = "x"\ntemperature = "25 degC"\n', "ok.toml")
    assert document.data == {"cell": {"name": "x", "temperature": "25 degC"}}
    assert document.where("cell", "temperature").line == 3
    assert Path(document.path).name == "ok.toml"
