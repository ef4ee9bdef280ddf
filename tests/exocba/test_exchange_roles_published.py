"""Exchange Online's built-in management roles and role groups, as Microsoft publishes them.

exocba/exchange_rbac.py cites Microsoft Learn's "Permissions in Exchange Online" for the
role names a stack may declare and the groups it may or may not join. The page's table,
as Microsoft wrote it, is in tests/fixtures/exchange-online (SOURCES.md); these tests read
the names from it, so a name added, dropped or misspelt in the code is caught.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from exocba import exchange_rbac
from tests.conftest import PROJECT_ROOT

TABLE = PROJECT_ROOT / "tests" / "fixtures" / "exchange-online" / "permissions-exo-role-groups.md"
HEADER = "|**Role group**|**Description**|**Default roles assigned**|"
# The table's placeholder for the per-tenant suffix of a centrally managed group's name.
UNIQUE = "<unique value>"
CENTRALLY_MANAGED = "You can't manage this role group in Exchange Online"
# The Organization Management row names the roles no group holds by default as a list.
UNASSIGNED = re.compile(r"not assigned to any role group[^<]*<ul>(.*?)</ul>")


@dataclass(frozen=True)
class Row:
    group: str
    description: str
    roles: tuple[str, ...]


def unescape(cell: str) -> str:
    """Markdown's backslash escapes (`TenantAdmins\\_-\\<unique value\\>`) removed."""
    return re.sub(r"\\(.)", r"\1", cell).strip()


def rows() -> list[Row]:
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # past the header and its alignment row
    found = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        group, description, roles = line.strip("|").split("|")
        listed = (role.strip() for role in re.split(r"(?:<br/>)+", roles))
        found.append(Row(unescape(group), description, tuple(r for r in listed if r != "n/a")))
    return found


def unassigned_roles() -> set[str]:
    (match,) = (m for row in rows() if (m := UNASSIGNED.search(row.description)))
    return set(re.findall(r"<li>([^<]+)</li>", match.group(1)))


def test_the_management_roles_are_the_ones_microsoft_lists() -> None:
    assigned = {role for row in rows() for role in row.roles}
    unassigned = unassigned_roles()
    # What the page says of those two: no group holds them, not even Organization Management.
    assert unassigned and not unassigned & assigned
    code = exchange_rbac.BUILT_IN_MANAGEMENT_ROLES
    assert len(code) == len(set(code)), "a role is listed twice"
    assert sorted(code) == sorted(assigned | unassigned)


def test_the_built_in_role_groups_are_the_ones_microsoft_lists() -> None:
    named = [row.group for row in rows() if UNIQUE not in row.group]
    assert sorted(exchange_rbac.BUILT_IN_ROLE_GROUPS) == sorted(named)


def test_the_groups_exchange_cannot_manage_are_the_ones_microsoft_names() -> None:
    managed = [row.group for row in rows() if CENTRALLY_MANAGED in row.description]
    named = [group for group in managed if UNIQUE not in group]
    assert sorted(exchange_rbac.CENTRALLY_MANAGED_GROUPS) == sorted(named)
    # A suffixed group is refused by its prefix: each published name starts with exactly
    # one of the code's prefixes, and each prefix is some published name's.
    prefixes = exchange_rbac.CENTRALLY_MANAGED_PREFIXES
    published = [group.split(UNIQUE)[0] for group in managed if UNIQUE in group]
    matched = {name: [p for p in prefixes if name.startswith(p)] for name in published}
    assert all(len(found) == 1 for found in matched.values()), matched
    assert sorted(p for found in matched.values() for p in found) == sorted(prefixes)
