"""Stack config, declared once and validated in one place. Pure: no Pulumi.

- spec.py: the key table (name, type, default, description), from which KNOWN_KEYS,
  the object forms and the defaults derive;
- reader.py: strings as the engine passes them, read into values, every problem kept
  with its place in the report (REPORT_ORDER);
- certificate.py, federation.py, identities.py, key_vault.py, roles.py, tenant.py: the
  rules of each key on its own (exocba/exchange_rbac.py: exchangeRoleGroups.*);
- cross.py (and cross_role_groups.py): the cross-field pass, the rules that read more
  than one key;
- model.py: the Settings components receive;
- load.py: load_settings, which runs the per-key pass and then the cross-field pass, and
  `ownership` for exoctl audit.

components/settings.py is the Pulumi adapter. This file imports nothing, so that a rule
module elsewhere can import the key table without importing every rule.
"""
