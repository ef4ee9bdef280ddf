"""OPATH recipient filters as text: Exchange's syntax for a management scope's
RecipientRestrictionFilter, checked before anything is written (config) and compared
in one normal form (the provider's refresh, exoctl audit). Exchange itself parses them.
"""

from __future__ import annotations

import re

# RecipientRestrictionFilter is OPATH: comparisons like `Department -eq 'Sales'`.
# Source: office-docs-powershell exchange/docs-conceptual/filters-v2.md, operators.
_OPERATOR = re.compile(
    r"-(eq|ne|lt|gt|le|ge|like|notlike|contains|notcontains|in|notin)\b", re.IGNORECASE
)


def filter_problem(text: str) -> str | None:
    """Why a RecipientRestrictionFilter cannot be OPATH, or None. Exchange parses it; this
    catches what would fail there only after the app and role group were written."""
    if not text.strip():
        return "is empty"
    depth, quote = 0, ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return "closes a parenthesis it never opened"
    if quote:
        return f"leaves a {quote} quote open"
    if depth:
        return "leaves a parenthesis open"
    if not _OPERATOR.search(text):
        return "compares nothing (no -eq, -ne, -like, -notlike, … operator)"
    return None


def normalize_filter(text: str) -> str:
    """One form for OPATH filters that differ only in spacing, operator case and outer
    parentheses (Exchange stores `(X -eq 'y')` for `X -eq 'y'`)."""
    text = " ".join(str(text or "").split())
    text = re.sub(r"\s-([A-Za-z]+)\b", lambda m: f" -{m[1].lower()}", text)
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
