"""Expressions over data elements, for indicators and validation rules.

Syntax (DHIS2's, narrowed): `#{code}` is the value of data element `code` (all its breakdown options summed),
`#{code.option}` its value for one category option; numbers; `+ - * /` and parentheses. Nothing else: the text
is parsed by Python's `ast` and every node is checked against a short list, so an expression can never call,
index or name anything. A missing value counts as 0 (DHIS2's default "missing value strategy"); division by 0
makes the whole expression undefined (None), never an error.

The same parsed tree is evaluated in Python (a report's rules, per report) or rendered as SQL (indicators over
the stored rollups, for every unit at once).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

TOKEN = re.compile(r"#\{\s*([a-z][a-z0-9_]*)(?:\.([a-z][a-z0-9_]*))?\s*\}")
MAX_LENGTH = 2000
MAX_DEPTH = 200  # nesting of operators and parentheses; deeper trees would exhaust Python's recursion


class ExpressionError(ValueError):
    """A Vietnamese message saying what is wrong with the expression."""


@dataclass(frozen=True, order=True)
class Ref:
    element: str
    option: str | None = None

    def __str__(self) -> str:
        return "#{" + self.element + (f".{self.option}" if self.option else "") + "}"


@dataclass(frozen=True)
class Expression:
    text: str
    tree: ast.expr
    refs: tuple[Ref, ...]  # indexed by the names __r0, __r1… in `tree`


_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}


def parse(text: str) -> Expression:
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(_("Biểu thức không được để trống."))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(_("Biểu thức quá dài (tối đa %(n)s ký tự).") % {"n": MAX_LENGTH})
    refs: list[Ref] = []

    def name_for(match: re.Match) -> str:
        ref = Ref(match.group(1), match.group(2))
        if ref not in refs:
            refs.append(ref)
        return f" __r{refs.index(ref)} "

    source = TOKEN.sub(name_for, text)
    if "#" in source or "{" in source or "}" in source:
        raise ExpressionError(_("Tham chiếu không hợp lệ: viết #{mã_phần_tử} hoặc #{mã_phần_tử.mã_nhóm}."))
    if _nesting(source) > MAX_DEPTH:
        raise ExpressionError(_("Biểu thức lồng quá sâu (tối đa %(n)s mức).") % {"n": MAX_DEPTH})
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except (SyntaxError, RecursionError, MemoryError) as exc:
        raise ExpressionError(_("Biểu thức sai cú pháp: chỉ dùng tham chiếu, số, + - * / và dấu ngoặc.")) from exc
    _check(tree, len(refs))
    return Expression(text=text, tree=tree, refs=tuple(refs))


def _nesting(source: str) -> int:
    """An upper bound of the tree's depth: open parentheses at once plus signs and operators in a row."""
    depth = deepest = run = 0
    for char in source:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char in "+-*/":
            run += 1
        elif not char.isspace():
            run = 0
        deepest = max(deepest, depth + run)
    return max(deepest, source.count("+") + source.count("-") + source.count("*") + source.count("/"))


def _check(node: ast.AST, ref_count: int) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        _check(node.left, ref_count)
        _check(node.right, ref_count)
    elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        _check(node.operand, ref_count)
    elif isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool) \
            and abs(node.value) < 1e15:
        pass  # finite and printable as a plain SQL literal (1e400 would be "inf")
    elif isinstance(node, ast.Name) and re.fullmatch(r"__r\d+", node.id) and int(node.id[3:]) < ref_count:
        pass
    else:
        raise ExpressionError(_("Biểu thức sai cú pháp: chỉ dùng tham chiếu, số, + - * / và dấu ngoặc."))


def references(text: str) -> tuple[Ref, ...]:
    return parse(text).refs


def check_references(text: str, elements: Mapping[str, set[str]]) -> Expression:
    """Parse and check that every reference names a known element (`elements`: code → its option codes)."""
    expression = parse(text)
    for ref in expression.refs:
        if ref.element not in elements:
            raise ExpressionError(_("Không có phần tử dữ liệu mã “%(code)s”.") % {"code": ref.element})
        if ref.option is not None and ref.option not in elements[ref.element]:
            raise ExpressionError(_("Phần tử “%(code)s” không có nhóm phân tổ “%(option)s”.") % {
                "code": ref.element, "option": ref.option})
    return expression


class _Undefined(Exception):
    pass


def evaluate(expression: Expression | str, value_of: Callable[[Ref], Decimal | int | None]) -> Decimal | None:
    """The value, with missing values as 0; None when it divides by 0."""
    if isinstance(expression, str):
        expression = parse(expression)

    def walk(node: ast.expr) -> Decimal:
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            op = type(node.op)
            if op is ast.Add:
                return left + right
            if op is ast.Sub:
                return left - right
            if op is ast.Mult:
                return left * right
            if right == 0:
                raise _Undefined
            return left / right
        if isinstance(node, ast.UnaryOp):
            return -walk(node.operand) if isinstance(node.op, ast.USub) else walk(node.operand)
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        assert isinstance(node, ast.Name)
        value = value_of(expression.refs[int(node.id[3:])])
        return Decimal(value) if value is not None else Decimal(0)

    try:
        return walk(expression.tree)
    except (_Undefined, InvalidOperation):
        return None


def to_sql(expression: Expression | str, column_of: Callable[[Ref], str]) -> str:
    """SQL for the expression; `column_of(ref)` gives the SQL of one reference's value (made 0 when NULL here).
    Numbers are written as literals (they were parsed as numbers); a division by 0 gives NULL."""
    if isinstance(expression, str):
        expression = parse(expression)

    def walk(node: ast.expr) -> str:
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Div):
                return f"(CASE WHEN ({right}) = 0 THEN NULL ELSE ({left}) * 1.0 / ({right}) END)"
            return f"({left} {_BINARY[type(node.op)]} {right})"
        if isinstance(node, ast.UnaryOp):
            return f"({_UNARY[type(node.op)]}{walk(node.operand)})"
        if isinstance(node, ast.Constant):
            return repr(node.value)
        assert isinstance(node, ast.Name)
        return f"COALESCE({column_of(expression.refs[int(node.id[3:])])}, 0)"

    return walk(expression.tree)
