"""`exoctl adopt`: bring a hand-made Exchange app under a stack, with nothing lost.

Reads the app, its service principal, the consent, the directory roles and the
owners through Microsoft Graph (the client audit uses), then writes:
- `Pulumi.<stack>.yaml` set to what the tenant has now, so the first preview after
  import changes as little as possible;
- a `pulumi import --file` document (pkg/cmd/pulumi/operations/import.go,
  importFile/importSpec) whose every entry lands at the URN the program registers:
  the same component parent, the same resource names.

Hand-made certificates are not imported: they stay registered and keep working,
are recorded in `exo-cba:adoptedCertificates`, and the stack adds its own. Client
secrets are never imported; they are findings to remove.

- model: what Graph says exists, the adoption written from it, and the refusal;
- read: the Graph reads of the app and of the managed identities;
- entries: import-file entries at the program's URNs;
- identities: a managed identity's hand-made grants, as entries;
- plan: the stack config, the import file and what the first preview changes;
- exchange: hand-made Exchange role group memberships carried into the config;
- stack_file: the written config checked by the program's rules, and both files written.
"""
