"""Object ids: exo-cba:owners, the managed identities, Key Vault readers."""

from __future__ import annotations

import uuid

from exocba.settings.model import ManagedIdentity
from exocba.settings.reader import Reader
from exocba.settings.spec import qualified


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


def managed_identities(reader: Reader) -> tuple[ManagedIdentity, ...]:
    found: list[ManagedIdentity] = []
    for key, user_assigned in (("managedIdentities", False), ("userAssignedIdentities", True)):
        for object_id in guid_list(reader, key):
            if any(i.object_id == object_id for i in found):
                reader.fail(
                    key,
                    f"{object_id} is listed in both exo-cba:managedIdentities and "
                    "exo-cba:userAssignedIdentities",
                    "each identity once: system-assigned in managedIdentities, user-assigned "
                    "in userAssignedIdentities",
                )
                continue
            found.append(ManagedIdentity(object_id, user_assigned, qualified(key)))
    return tuple(found)
