"""exoctl's commands, one module each: `add_parser(subparsers, parent)` declares the
command and its flags, `run(args)` does it and returns the exit code (exoctl/errors.py).

Each module imports only what its parser needs; what `run` needs (the Pulumi SDK,
azure-identity, cryptography) it imports when it runs, so `exoctl plan` stays quick.
"""

from __future__ import annotations

from exoctl.commands import adopt, audit, drift, export_pfx, plan, verify

# In the order `exoctl --help` lists them.
COMMANDS = (plan, export_pfx, drift, verify, audit, adopt)
