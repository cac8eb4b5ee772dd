"""Matching material names the way chemists write them.

`LLZO`, `llzo` and `Ta-LLZO` are names; `LiNi0.8Mn0.1Co0.1O2` and
`LiNi0.8Co0.1Mn0.1O2` are the same composition; `Li6.4La3Zr1.4Ta0.6O12` is a
member of the family `Li7-xLa3Zr2-xTaxO12` (x = 0.6). Names are compared after
folding case, spacing, hyphens, underscores and Unicode sub/superscripts;
formulas by their element amounts.
"""
from __future__ import annotations

import functools
import re
from fractions import Fraction

_SCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "01234567890123456789+-")
_FOLD = re.compile(r"[\s\-_·•]+")


def fold(name: str) -> str:
    """The key two spellings of one name share."""
    return _FOLD.sub("", name.translate(_SCRIPTS)).casefold()


_ELEMENTS = frozenset("""H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu
Zn Ga Ge As Se Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu
Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U""".split())
# An amount: a number or fraction, optionally +/- a multiple of x; or a multiple of x alone.
_NUMBER = r"(?:\d+(?:\.\d+)?(?:/\d+)?|\.\d+)"
_AMOUNT = re.compile(rf"({_NUMBER})?(?:([+-])({_NUMBER})?x|(x))?")


def _number(text: str | None, default: Fraction) -> Fraction:
    if not text:
        return default
    if "/" in text:
        top, bottom = text.split("/")
        return Fraction(top) / Fraction(bottom)
    return Fraction(text)


# No chemical formula has more parentheses or larger amounts than these; beyond them a name is no formula
# (instead of a RecursionError, or an amount that overflows a float).
_MAX_DEPTH = 8
_MAX_AMOUNT = 10 ** 6
_MAX_LENGTH = 200


def composition(formula: str) -> dict[str, tuple[Fraction, Fraction]] | None:
    """Element -> (constant, coefficient of x) of a formula, or None if it is not one.

    Parentheses multiply out: `Li1.3Al0.3Ti1.7(PO4)3` has P 3 and O 12.
    """
    text = formula.translate(_SCRIPTS).replace(" ", "")
    if len(text) > _MAX_LENGTH:
        return None
    try:
        amounts, end = _group(text, 0)
    except (ValueError, ZeroDivisionError):  # ZeroDivisionError: an amount such as 1/0
        return None
    if end != len(text) or not amounts:
        return None
    if any(abs(c) > _MAX_AMOUNT or abs(s) > _MAX_AMOUNT for c, s in amounts.values()):
        return None
    return {e: a for e, a in amounts.items() if a != (0, 0)}


def _group(text: str, i: int, depth: int = 0):
    if depth > _MAX_DEPTH:
        raise ValueError("parentheses nested too deeply")
    amounts: dict[str, tuple[Fraction, Fraction]] = {}
    while i < len(text):
        char = text[i]
        if char == ")":
            return amounts, i
        if char == "(":
            inner, i = _group(text, i + 1, depth + 1)
            if i >= len(text) or text[i] != ")":
                raise ValueError("unbalanced")
            (constant, slope), i = _amount(text, i + 1)
            if slope:
                raise ValueError("x multiplying a group")
            for element, (c, s) in inner.items():
                _add(amounts, element, (c * constant, s * constant))
            continue
        match = re.match(r"[A-Z][a-z]?", text[i:])
        if not match:
            raise ValueError("not an element")
        element = match.group(0)
        if element not in _ELEMENTS:
            if element[0] in _ELEMENTS and len(element) == 2:
                element = element[0]
            else:
                raise ValueError("unknown element")
        i += len(element)
        amount, i = _amount(text, i)
        _add(amounts, element, amount)
    return amounts, i


def _amount(text: str, i: int):
    match = _AMOUNT.match(text, i)
    number, sign, coefficient, bare_x = match.groups()
    if bare_x:
        return (Fraction(0), _number(number, Fraction(1))), match.end()
    constant = _number(number, Fraction(1))
    if sign:
        slope = _number(coefficient, Fraction(1)) * (1 if sign == "+" else -1)
        if number is None:  # "x" written first as in "Li3xLa..." is handled by bare_x
            constant = Fraction(0)
        return (constant, slope), match.end()
    return (constant, Fraction(0)), match.end()


def _add(amounts, element, amount) -> None:
    c0, s0 = amounts.get(element, (Fraction(0), Fraction(0)))
    amounts[element] = (c0 + amount[0], s0 + amount[1])


def fixed_key(formula: str) -> tuple | None:
    """A hashable composition key for a formula without a variable."""
    amounts = composition(formula)
    if amounts is None or any(slope for _, slope in amounts.values()):
        return None
    return tuple(sorted((e, round(float(c), 4)) for e, (c, _) in amounts.items()))


def family_member(family_formula: str, low: float, high: float, formula: str) -> float | None:
    """x for which `formula` is a member of the family, or None."""
    family = composition(family_formula)
    member = fixed_key(formula)
    if family is None or member is None:
        return None
    amounts = dict(member)
    if set(amounts) - set(family):
        return None
    x = None
    for element, (constant, slope) in family.items():
        value = amounts.get(element, 0.0)
        if slope:
            candidate = (value - float(constant)) / float(slope)
            if x is None:
                x = candidate
            elif abs(candidate - x) > 5e-3:
                return None
    if x is None or not (low - 1e-9 <= x <= high + 1e-9):
        return None
    for element, (constant, slope) in family.items():
        if abs(float(constant) + float(slope) * x - amounts.get(element, 0.0)) > 5e-3:
            return None
    return round(x, 4)


def dopants(family_formula: str) -> tuple[str, ...]:
    """The elements a substitution series brings in: absent at x = 0 (`Ga` of Li7-3xGaxLa3Zr2O12)."""
    family = composition(family_formula)
    return tuple(sorted(e for e, (constant, slope) in (family or {}).items() if not float(constant) and slope))


@functools.lru_cache(maxsize=4096)
def elements(formula: str) -> tuple[str, ...]:
    """The elements of a formula, sorted; kept per formula: every resolve of an electrolyte layer asks."""
    amounts = composition(formula)
    return tuple(sorted(amounts)) if amounts else ()
