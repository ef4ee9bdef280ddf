"""Which config keys a stack may set outside the project's own namespace.

A key Pulumi hands the program but nothing reads is a silent mistake:
`exo-cab:roles` or `azuread:tenantid` would deploy with the defaults, or into the
tenant of whoever is signed in. So every key is accounted for:

- `exo-cba:` keys are checked by exocba/settings/ (components/settings.py hands them over);
- `azuread:` and `tls:` configure the default providers the program uses; their keys
  are checked, case-sensitively, against each provider's published config schema
  (exocba/schemas/, see SOURCES.md there);
- `pulumi:` keys are the CLI's own (`pulumi:tags`, `pulumi:template`, …) and pass;
- `azure:` keys are refused: the Key Vault hand-off declares its azure provider
  explicitly, and an explicit provider reads no stack config;
- any other namespace is refused, naming the one it resembles.

Pure code: no Pulumi import; the schemas are read when first needed.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

SCHEMA_DIR = Path(__file__).with_name("schemas")
# Default providers the program declares resources with: their stack config applies.
PROVIDERS = ("azuread", "tls")
# The Pulumi CLI's own keys (project- and stack-level settings such as pulumi:tags).
RESERVED_NAMESPACE = "pulumi"
# The Key Vault hand-off's provider: explicit (components/key_vault.py), so inert.
EXPLICIT_PROVIDER = "azure"
_EXPLICIT_ALLOWED = (
    "nothing under azure:; the Key Vault hand-off's azure provider is declared explicitly "
    "and reads no stack config: its subscription comes from exo-cba:keyVault.id, its "
    "tenant from exo-cba:keyVault.tenantId or azuread:tenantId, its cloud from "
    "azuread:environment"
)


def nearest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate `word` most likely misspells: a different case first, then the
    closest spelling (difflib), or None when nothing is close."""
    options = list(candidates)
    folded = {option.casefold(): option for option in options}
    if word.casefold() in folded:
        return folded[word.casefold()]
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, candidates: Iterable[str], shown: str = "{}") -> str:
    """ " (did you mean X?)" for the nearest candidate, or "" when none is near;
    `shown` formats the suggestion (e.g. with its namespace)."""
    match = nearest(word, candidates)
    return f" (did you mean {shown.format(match)}?)" if match is not None else ""


@functools.cache
def provider_keys(namespace: str) -> tuple[str, ...]:
    """The config keys a provider publishes (its schema's config.variables)."""
    document = json.loads((SCHEMA_DIR / f"{namespace}-config.json").read_text(encoding="utf-8"))
    return tuple(sorted(document["variables"]))


def foreign_key_problems(
    values: Mapping[str, object], project: str, project_keys: Iterable[str]
) -> list[tuple[str, str, str]]:
    """(key, what was wrong, what is allowed) for each key outside `project` that the
    program would ignore. `project_keys` are the project's own key names, to suggest
    for a misspelt namespace. Values are never shown: some are secrets."""
    known = (project, *PROVIDERS, RESERVED_NAMESPACE)
    own = tuple(project_keys)
    problems: list[tuple[str, str, str]] = []
    for key in sorted(values):
        namespace, separator, name = key.partition(":")
        if not separator or namespace in (project, RESERVED_NAMESPACE):
            continue
        if namespace in PROVIDERS:
            keys = provider_keys(namespace)
            if name not in keys:
                problems.append(
                    (
                        key,
                        f"is not a key the {namespace} provider reads (names are "
                        f"case-sensitive){did_you_mean(name, keys, f'{namespace}:{{}}')}",
                        f"the {namespace} provider's config keys: {', '.join(keys)}",
                    )
                )
        elif namespace == EXPLICIT_PROVIDER:
            hint = did_you_mean(name, provider_keys("azuread"), "azuread:{}")
            problems.append((key, f"is read by nothing{hint}", _EXPLICIT_ALLOWED))
        else:
            resembles = nearest(namespace, known)
            hint = ""
            if resembles == project:
                hint = did_you_mean(name, own, f"{project}:{{}}") or f" (did you mean {project}:?)"
            elif resembles in PROVIDERS:
                hint = did_you_mean(name, provider_keys(resembles), f"{resembles}:{{}}")
                hint = hint or f" (did you mean {resembles}:?)"
            elif resembles is not None:
                hint = f" (did you mean {resembles}:?)"
            problems.append(
                (
                    key,
                    f"namespace {namespace!r} is neither this project's nor a provider's the "
                    f"program uses, so nothing reads the key{hint}",
                    f"{project} (this project), {', '.join(PROVIDERS)} (its providers), "
                    f"{RESERVED_NAMESPACE} (Pulumi's own)",
                )
            )
    return problems
