"""exo-cba:federatedCredentials: tokens the app may exchange, and their names in Entra."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from exocba.settings.model import FederatedCredential
from exocba.settings.reader import Reader
from exocba.wellknown import (
    AUDIENCES_PER_FEDERATED_CREDENTIAL,
    GITHUB_ACTIONS_ISSUER,
    MAX_FEDERATED_CREDENTIALS,
)

FEDERATED = "federatedCredentials"
ALLOWED = (
    "GitHub Actions subjects (repo:OWNER/REPO:environment:NAME, repo:OWNER/REPO:ref:refs/"
    "heads/BRANCH, repo:OWNER/REPO:ref:refs/tags/TAG), or "
    "'issuer=https://…;subject=…[;audiences=AUDIENCE]' for another issuer; exact subjects, each "
    f"once, at most {MAX_FEDERATED_CREDENTIALS}"
)
_GITHUB_SUBJECT = re.compile(
    # GitHub's immutable subject form qualifies both names with numeric ids:
    # repo:OWNER@ID/REPO@ID:environment:NAME (read yours with
    # `gh api repos/OWNER/REPO/actions/oidc/customization/sub`).
    r"repo:(?P<repo>[A-Za-z0-9_.-]+(?:@\d+)?/[A-Za-z0-9_.-]+(?:@\d+)?):"
    r"(?P<kind>environment:(?P<env>[^:*]+)|ref:refs/(?P<ref>heads|tags)/(?P<name>[^*]+)|pull_request)"
)


def credential_name(issuer: str, subject: str) -> str:
    """Stable, unique, and within Entra's display-name rules (letters, digits, - and _)."""
    match = _GITHUB_SUBJECT.fullmatch(subject) if issuer == GITHUB_ACTIONS_ISSUER else None
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:8]
    readable = match["repo"] + "-" + match["kind"] if match else "oidc"
    slug = re.sub(r"[^a-z0-9]+", "-", readable.lower()).strip("-")[:80]
    return f"{slug}-{digest}"


@dataclass(frozen=True)
class ListedCredentials:
    """exo-cba:federatedCredentials read on its own, each credential with its entry (from
    1). Audiences are () where the entry names none: the stack's cloud decides them, as
    exo-cba:allowPullRequestFederation decides the entries set apart."""

    credentials: tuple[tuple[int, FederatedCredential], ...]
    pull_requests: tuple[tuple[int, FederatedCredential], ...]
    """GitHub pull request subjects, which trust every pull request's workflow."""


def repeats(index: int, credential: FederatedCredential) -> tuple[str, str]:
    return (
        f"entry {index} repeats issuer {credential.issuer} and subject {credential.subject}",
        ALLOWED,
    )


def federated_credentials(reader: Reader) -> ListedCredentials:
    entries = reader.string_list(FEDERATED, ALLOWED) or []
    found: list[tuple[int, FederatedCredential]] = []
    pull_requests: list[tuple[int, FederatedCredential]] = []
    for index, entry in enumerate(entries, start=1):
        text = entry.strip()
        issuer, subject, audiences = GITHUB_ACTIONS_ISSUER, text, ()
        if text.startswith("issuer="):
            fields = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
            issuer, subject = fields.get("issuer", "").strip(), fields.get("subject", "").strip()
            listed = [a.strip() for a in fields.get("audiences", "").split(",") if a.strip()]
            if len(listed) > AUDIENCES_PER_FEDERATED_CREDENTIAL:
                reader.fail(
                    FEDERATED,
                    f"entry {index} lists {len(listed)} audiences ({', '.join(listed)}); Entra "
                    "accepts exactly one per federated credential",
                    "the one audience the issuer puts in its tokens' aud claim",
                    index,
                )
                continue
            audiences = tuple(listed)
            if not re.fullmatch(r"https://[^\s/]+(/\S*)?", issuer) or not subject:
                reader.fail(
                    FEDERATED,
                    f"entry {index} ({text!r}) needs an https issuer and a subject",
                    ALLOWED,
                    index,
                )
                continue
        elif not _GITHUB_SUBJECT.fullmatch(text):
            reader.fail(
                FEDERATED,
                f"entry {index} ({text!r}) is not a GitHub Actions subject"
                + (" (subjects are exact; * is not a wildcard)" if "*" in text else ""),
                ALLOWED,
                index,
            )
            continue
        if "*" in subject:
            reader.fail(
                FEDERATED,
                f"entry {index}: subjects are exact; * is not a wildcard",
                ALLOWED,
                index,
            )
            continue
        credential = FederatedCredential(
            credential_name(issuer, subject), issuer, subject, audiences
        )
        if issuer == GITHUB_ACTIONS_ISSUER and subject.endswith(":pull_request"):
            pull_requests.append((index, credential))
        elif any((c.issuer, c.subject) == (issuer, subject) for _, c in found):
            reader.fail(FEDERATED, *repeats(index, credential), index)
        else:
            found.append((index, credential))
    return ListedCredentials(tuple(found), tuple(pull_requests))
