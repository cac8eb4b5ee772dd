"""The TOML position scanner: every key of a document is found where it is written.

Hypothesis writes random documents the way people write TOML (bare, "quoted" and
'literal' keys, dotted keys with and without spaces, headers of tables and arrays
of tables, inline tables, arrays over several lines, strings of all four kinds
holding quotes, brackets, `#` and `key =`), tomllib parses them, and every key
path tomllib returns must be located at the first character of its key as
written. The cases of attack review D18 are pinned as examples below.
"""
from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cellrules.errors import SpecError
from cellrules.tomlfile import parse_toml, tomllib
from cellrules.tomlcommon import read_common
from cellrules.tomlscan import deepest_nesting, positions

# Text that breaks naive scanners: quotes of both kinds, brackets, '=', '#', dots, escapes.
_TRICKY = st.text(alphabet=string.ascii_letters + " \"'[]{}=#.,\\", max_size=12)
_BARE = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=8)


def _basic(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def keys(draw) -> tuple[str, str]:
    """(the key as tomllib returns it, the key as written)."""
    kind = draw(st.sampled_from(["bare", "basic", "literal", "escaped"]))
    if kind == "bare":
        name = draw(_BARE)
        return name, name
    name = draw(_TRICKY.filter(lambda t: "'" not in t) if kind == "literal" else _TRICKY)
    if kind == "literal":
        return name, f"'{name}'"
    if kind == "escaped":
        return name + "\u00e9", _basic(name)[:-1] + "\\u00E9\""
    return name, _basic(name)


@st.composite
def scalars(draw) -> str:
    text = draw(_TRICKY)
    return draw(st.sampled_from([
        _basic(text),
        "'" + text.replace("'", "") + "'",
        '"""' + text.replace("\\", "\\\\").replace('"', "'") + '\nnext = "no key"\n"""',
        "'''" + text.replace("'", '"') + "\n[not.a.header]\n'''",
        "42", "-1.5e3", "true", "2027-06-30", "1979-05-27 07:32:00",
    ]))


@st.composite
def documents(draw):
    """TOML text and, for every key path, the offset its key must be found at."""
    lines: list[str] = []
    expected: dict = {}
    length = 0

    def emit(line: str) -> None:
        nonlocal length
        lines.append(line)
        length += len(line) + 1

    def key_value(table: tuple, used: set) -> None:
        dotted = draw(st.lists(keys(), min_size=1, max_size=3, unique_by=lambda k: k[0]))
        names = tuple(name for name, _ in dotted)
        if any(names[:i] in used for i in range(1, len(names) + 1)) or any(n[:len(names)] == names for n in used):
            return
        used.add(names)
        separator = draw(st.sampled_from([".", " . "]))
        indent = draw(st.sampled_from(["", "  "]))
        written = separator.join(text for _, text in dotted)
        start = length + len(indent)
        value = draw(st.sampled_from(["scalar", "array", "inline"]))
        if value == "scalar":
            emit(f"{indent}{written} = {draw(scalars())}  # {draw(_TRICKY)}")
        elif value == "array":
            items = draw(st.lists(scalars().filter(lambda s: not s.startswith(('"""', "'''"))), max_size=3))
            emit(f"{indent}{written} = [")
            for item in items:
                emit(f"  {item},  # {draw(_TRICKY)}")
            emit("]")
        else:
            inner_name, inner_text = draw(keys())
            inner = f"{indent}{written} = {{ "
            expected[(*table, *names, inner_name)] = length + len(inner)
            emit(inner + f"{inner_text} = {draw(scalars().filter(lambda s: chr(10) not in s))} }}")
        for size in range(1, len(names) + 1):
            expected.setdefault((*table, *names[:size]), start)

    for index in range(draw(st.integers(1, 4))):
        header_keys = draw(st.lists(keys(), min_size=1, max_size=2, unique_by=lambda k: k[0]))
        name = (f"t{index}", *(k for k, _ in header_keys))
        written = ".".join([f"t{index}", *(text for _, text in header_keys)])
        array = draw(st.booleans())
        emit("")
        for element in range(2 if array else 1):
            path = (*name, element) if array else name
            expected[path] = length
            emit(f"[[{written}]]" if array else f"[ {written} ]")
            used: set = set()
            for _ in range(draw(st.integers(0, 3))):
                key_value(path, used)
    return "\n".join(lines) + "\n", expected


def _offset(text: str, line: int, column: int) -> int:
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    return starts[line - 1] + column - 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_every_key_is_found_where_it_is_written(document):
    text, expected = document
    data = tomllib.loads(text)  # the generator writes valid TOML
    found = positions(text)
    for path, offset in expected.items():
        assert path in found, f"{path} not located in:\n{text}"
        assert _offset(text, *found[path]) == offset, f"{path} at {found[path]} in:\n{text}"
    for path in found:  # and nothing inside a string or comment is taken for a key
        assert _exists(data, path), f"{path} is not a key of:\n{text}"


_COMMON_SHAPES = st.lists(st.sampled_from([
    "", "# a comment", "[cell]", "[[interlayer]]", "[ electrolyte . reaction ]", "[[a.b]]", "[[a]", "[a]]",
    'name = "x"', "name='x' # note", "x = 1.5e-3", "flag = true", 'y = "a\\"b"', "z = []",
    'components = ["LiF", "Li3N"]', "between = [ 'anode' , \"electrolyte\", ]", "n = [1, 2,3]",
    "when = 1979-05-27 07:32:00", "s = [[1], [2]]", 't = { a = 1 }', 'd.e = "x"', '"q" = 1',
]), max_size=12)


@settings(max_examples=300, deadline=None)
@given(document=documents(), lines=_COMMON_SHAPES, newline=st.sampled_from(["\n", "\r\n"]))
def test_the_one_pass_reader_and_the_scanner_find_the_same_positions(document, lines, newline):
    # Specs of the common shape are located by tomlcommon.py, every other one by this scanner: on every
    # document, valid or not, whatever the one-pass reader takes it must locate as the scanner does.
    for text in (document[0], newline.join(lines) + newline, newline.join(lines)):
        text = text.replace("\n", newline) if newline != "\n" else text
        common = read_common(text)
        assert common is None or common[1] == positions(text), text


def _exists(data, path: tuple) -> bool:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return False
    return True


@pytest.mark.parametrize(("text", "path", "where"), [
    # D18: a triple quote inside a one-line string opened a "multi-line string" to the end of the file.
    ('[cell]\nname = "it\'\'\'s"\ncarrier = "Li"\n', ("cell", "carrier"), (3, 1)),
    # D18: an escaped quote and a bracket inside a string were read as the start of an array.
    ('[cell]\nname = "a\\"["\ncarrier = "Li"\n', ("cell", "carrier"), (3, 1)),
    # D18: a dotted key inside a table.
    ('[cell]\nname = "x"\nanode.material = "Li"\n', ("cell", "anode", "material"), (3, 1)),
    # The newcomer review: a literal-quoted dotted key.
    ("'electrolyte'.material = \"LGPS\"\n", ("electrolyte", "material"), (1, 1)),
    ("x = 1\n  'electrolyte' . \"thickness\" = \"5 um\"\n", ("electrolyte", "thickness"), (2, 3)),
    # D18: a quoted rule id in a configuration's [severity] table and in an inline table.
    ('[severity]\n"mechanics.shear-modulus-ratio" = "fatal"\n', ("severity", "mechanics.shear-modulus-ratio"), (2, 1)),
    ('severity = { "window.a" = "error", \'window.b\' = "fatal" }\n', ("severity", "window.b"), (1, 36)),
    # Elements of arrays, and inline tables inside them.
    ('components = ["LiF",\n  "Li3N"]\n', ("components", 1), (2, 3)),
    ('interlayer = [{ material = "LiNbO3" },\n  { material = "Au", thickness = "5 nm" }]\n',
     ("interlayer", 1, "thickness"), (2, 22)),
    # An array of tables inside an array of tables counts its elements per parent.
    ("[[a]]\n[[a.b]]\n[[a]]\n[[a.b]]\nx = 1\n", ("a", 1, "b", 0, "x"), (5, 1)),
])
def test_review_cases_are_located(text, path, where):
    tomllib.loads(text)
    assert positions(text)[path] == where


@example(depth=2000)
@given(depth=st.integers(1100, 20000))
@settings(max_examples=5, deadline=None)
def test_deep_nesting_is_reported_at_its_key(depth):
    text = f'[cell]\nname = "x"\n\nx = {"[" * depth}{"]" * depth}\n'
    with pytest.raises(SpecError) as caught:
        parse_toml(text.encode(), "deep.toml", SpecError)
    error = caught.value
    assert (error.location.line, error.location.column) == (4, 1)
    assert f"nested {depth} deep" in error.message
    assert deepest_nesting(text) == (4, 1, depth)


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_the_scanner_stops_on_any_text(text):
    # parse_toml runs the scanner on text tomllib refused (to locate deep nesting): it must never fail.
    positions(text)
    deepest_nesting(text)
