"""Machine-checked worked examples: an `example` card's arithmetic, recomputed at import.

A check is `{expr: "10000 * 1.05 ** 10", value: "16289"}`. `expr` is arithmetic only (decimal
numbers, `+ - * / **`, parentheses, unary minus), parsed with `ast` and computed in `Decimal`,
never `eval`-ed. It holds when `expr`, rounded half-up to the decimals written in `value`,
equals `value`, and `value` appears in the card's text (see `value_in_text`).
"""

import ast
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, DecimalException, localcontext

MAX_EXPR_LENGTH = 200
MAX_EXPONENT = 1000
VALUE_PATTERN = r"^-?\d+(\.\d+)?$"

_ARITHMETIC_CHARACTERS = re.compile(r"^[0-9.+\-*/()\s]+$")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_OPERATORS: dict[type[ast.operator], Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMBER_IN_TEXT = re.compile(r"\d+(?:\.\d+)?")


class CheckError(ValueError):
    """An expression that is not plain arithmetic, or that cannot be computed."""


def evaluate(expr: str) -> Decimal:
    """The value of an arithmetic expression, computed in Decimal (28 significant digits)."""
    if len(expr) > MAX_EXPR_LENGTH:
        raise CheckError(f"is longer than {MAX_EXPR_LENGTH} characters")
    if not _ARITHMETIC_CHARACTERS.match(expr):
        raise CheckError("may hold only decimal numbers, + - * / **, parentheses and spaces")
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError as exc:
        raise CheckError(f"is not a valid expression: {exc.msg}") from None
    with localcontext() as context:
        context.prec = 28
        try:
            return +_value_of(tree.body, expr)
        except (DecimalException, OverflowError):
            raise CheckError("cannot be computed (division by zero or overflow)") from None


def _value_of(node: ast.expr, expr: str) -> Decimal:
    if isinstance(node, ast.Constant):
        text = ast.get_source_segment(expr.strip(), node) or ""
        if not _NUMBER.match(text):
            raise CheckError(f"{text or node.value!r} is not a plain decimal number")
        return Decimal(text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_value_of(node.operand, expr)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base, exponent = _value_of(node.left, expr), _value_of(node.right, expr)
        if abs(exponent) > MAX_EXPONENT:
            raise CheckError(f"an exponent above {MAX_EXPONENT} is not a worked example")
        return base**exponent
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _value_of(node.left, expr), _value_of(node.right, expr)
        return _OPERATORS[type(node.op)](left, right)
    raise CheckError("may hold only decimal numbers, + - * / **, parentheses and unary minus")


def rounded_like(result: Decimal, value: str) -> Decimal:
    """`result` rounded half-up to as many decimals as `value` is written with."""
    decimals = len(value.partition(".")[2])
    return result.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def check_problem(expr: str, value: str) -> str | None:
    """Why the check fails, or None when `expr` rounds to `value`."""
    try:
        result = evaluate(expr)
    except CheckError as exc:
        return f"expr {exc}"
    rounded = rounded_like(result, value)
    if rounded != Decimal(value):
        return f"{expr} is {rounded}, not {value}"
    return None


def value_in_text(value: str, text: str) -> bool:
    """Whether `value` is written in `text`, ignoring thousands separators, `¥`, trailing
    decimal zeros and the sign (texts write losses as words: 亏损¥2,400, a loss of ¥2,400)."""
    plain = _THOUSANDS_SEPARATOR.sub("", text.replace("¥", ""))
    return _canonical(value.lstrip("-")) in {_canonical(n) for n in _NUMBER_IN_TEXT.findall(plain)}


def _canonical(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number
