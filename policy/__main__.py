"""The exo-cba guardrails pack: `pulumi preview --policy-pack policy`.

Only assembles the policies; constructing PolicyPack starts the policy server.
"""

from exo_policies import POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name="exo-cba-guardrails", policies=POLICIES)
