"""An indicator's formula: arithmetic over the scorecard's figure codes, e.g. `coverage_share`,
`trainee_times / 100` or `(joint_activities + led_activities) / venues`.

Parsed with Python's own parser and walked by hand over a few node kinds — names, numbers,
+ - * / and parentheses — so a formula typed in the admin can never run anything else.
"""

from __future__ import annotations

import ast
import operator
from decimal import Decimal, DivisionByZero, InvalidOperation

from django.core.exceptions import ValidationError

# A score's value is stored with 14 digits before the point: no formula needs more, none may crash.
LARGEST = 10**14
OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def parse(formula: str, known: set[str]) -> tuple[ast.expr, list[str]]:
    """The formula's tree and the figure codes it reads; a Chinese ValidationError otherwise."""
    try:
        tree = ast.parse(formula.strip(), mode="eval").body
    except SyntaxError:
        raise ValidationError({"formula": "公式无法识别：只能由指标代码、数字、+ - * / 和括号组成。"}) from None
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in known:
                raise ValidationError({"formula": f"公式中的“{node.id}”不是可用的指标代码。"})
            if node.id not in names:
                names.append(node.id)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ValidationError({"formula": "公式中只能出现数字常量。"})
            if not abs(node.value) < LARGEST:
                raise ValidationError({"formula": "公式中的数字过大。"})
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in OPERATORS:
                raise ValidationError({"formula": "公式只支持 + - * / 四则运算。"})
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise ValidationError({"formula": "公式只支持 + - * / 四则运算。"})
        elif not isinstance(node, ast.operator | ast.unaryop | ast.Load):
            raise ValidationError({"formula": "公式只能由指标代码、数字、+ - * / 和括号组成。"})
    if not names:
        raise ValidationError({"formula": "公式至少要用到一个平台指标。"})
    return tree, names


def evaluate(tree: ast.expr, figures: dict[str, Decimal | int | None]) -> Decimal | None:
    """The formula's value; None when a figure it reads has no value, it divides by zero or it is
    beyond what a score can hold (e.g. `projects * 1e13 * 1e13`)."""
    try:
        value = _walk(tree, figures)
    except (DivisionByZero, InvalidOperation, _NoValue):
        return None
    return value if value.is_finite() and abs(value) < LARGEST else None


class _NoValue(Exception):
    pass


def _walk(node: ast.expr, figures) -> Decimal:
    if isinstance(node, ast.Name):
        value = figures.get(node.id)
        if value is None:
            raise _NoValue(node.id)
        return Decimal(value)
    if isinstance(node, ast.Constant):
        return Decimal(str(node.value))
    if isinstance(node, ast.UnaryOp):
        value = _walk(node.operand, figures)
        return -value if isinstance(node.op, ast.USub) else value
    return OPERATORS[type(node.op)](_walk(node.left, figures), _walk(node.right, figures))
