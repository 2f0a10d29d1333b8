"""Kubernetes resource quantities (``500m``, ``128Mi``, ``1.5``, ``2e3``) as exact numbers.

The grammar and the suffixes are those of apimachinery's ``resource.ParseQuantity``: a signed
decimal number (``1``, ``1.5``, ``.5``, ``5.``), then one of the binary suffixes ``Ki Mi Gi
Ti Pi Ei`` (powers of 1024), the decimal suffixes ``n u m k M G T P E`` (powers of 1000: ``m``
is a thousandth, ``M`` a million) or nothing, or an exponent ``e3``/``E-2``. As in Kubernetes,
the number may be empty (``Mi`` and ``.`` are 0) and values are rounded up to whole nanos.
``512Mb``, ``1K``, ``1 Gi`` and ``1.5.0`` are not quantities: the API server rejects an object
holding one. `parse_quantity` gives the value as a `Fraction`, `nanos` as a whole number of nanos:
either way ``0.1`` compares exactly.
"""

from __future__ import annotations

import functools
import math
import re

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without loading typing
if TYPE_CHECKING:
    from fractions import Fraction

_QUANTITY = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?")

_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}  # powers of 1024
_DECIMAL = {"n": -3, "u": -2, "m": -1, "": 0, "k": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6}  # powers of 1000
_MAX_EXPONENT = 400  # far beyond any real quantity: a chart's 1e999999999 must not take forever


def parse_quantity(value) -> Fraction:
    """The exact value of a quantity as a manifest holds it: a string, or a YAML number.

    Raises ValueError with a message that says what is wrong without repeating the value (it
    may come from a chart).
    """
    from fractions import Fraction  # comparisons need no fractions: `nanos` holds the same value

    return Fraction(nanos(value), 10**9)


def nanos(value) -> int:
    """The quantity in whole nanos (billionths), the unit Kubernetes rounds every quantity up to:
    the value of `parse_quantity` times 10**9, exactly, for comparing quantities."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("a quantity is a number or a string such as 500m or 128Mi")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("a quantity must be a finite number")
    text = str(value)
    return _parse_short(text) if len(text) <= 32 else _parse(text)


def _parse(text: str) -> int:
    match = _QUANTITY.fullmatch(text)
    if not text or match is None:
        raise ValueError("not a Kubernetes quantity (such as 500m, 0.5, 128Mi or 1Gi)")
    sign, whole, fraction, suffix = match.group(1), match.group(2), match.group(3) or "", match.group(4) or ""
    # The number in nanos is numerator / denominator: its digits over 10 ** (digits after the
    # point), times 10**9, times the suffix's power of 1024, 1000 or 10.
    numerator, denominator = _integer(whole + fraction) * 10**9, 10 ** len(fraction)
    if suffix in _BINARY:
        numerator *= 1024 ** _BINARY[suffix]
    else:
        exponent = 3 * _DECIMAL[suffix] if suffix in _DECIMAL else max(-_MAX_EXPONENT, min(_MAX_EXPONENT, int(suffix[1:])))
        if exponent >= 0:
            numerator *= 10**exponent
        else:
            denominator *= 10**-exponent
    rounded_up = -(-numerator // denominator)  # Kubernetes keeps nothing below a nano, and rounds up
    return -rounded_up if sign == "-" else rounded_up


def _integer(digits: str) -> int:
    """The decimal ``digits`` as an integer ("" is 0), however many: Kubernetes reads quantities
    longer than the 4300 digits Python's ``int`` reads from text at once."""
    value = 0
    for start in range(0, len(digits), 4000):
        chunk = digits[start:start + 4000]
        value = value * 10 ** len(chunk) + int(chunk)
    return value


# A stream repeats a few quantities, and resource-limits compares the config's defaults for every
# container: each short text is parsed once (a long one is no real quantity worth keeping).
_parse_short = functools.lru_cache(maxsize=1024)(_parse)
