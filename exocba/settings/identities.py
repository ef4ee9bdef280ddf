"""Object ids: exo-cba:owners, the managed identities, Key Vault readers. That no identity
is in both managedIdentities and userAssignedIdentities is a cross-field rule
(exocba/settings/cross.py)."""

from __future__ import annotations

import uuid

from exocba.settings.reader import Reader


def guid_list(reader: Reader, name: str) -> tuple[str, ...]:
    allowed = "an array of object ids (GUIDs), each once"
    entries = reader.string_list(name, allowed)
    if entries is None:
        return ()
    guids: list[str] = []
    for entry in entries:
        try:
            guid = str(uuid.UUID(entry.strip()))
        except ValueError:
            reader.fail(name, f"{entry!r} is not an object id (GUID)", allowed)
            continue
        if guid in guids:
            reader.fail(name, f"{guid} is listed twice", allowed)
            continue
        guids.append(guid)
    return tuple(guids)
