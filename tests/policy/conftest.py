import sys
from pathlib import Path

# The pack's modules import each other by their bare names, as the policy host loads them,
# and its tests' helpers (policy_support) sit beside them; these tests compare the pack
# with the project, so they import both.
POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
for path in (POLICY_DIR, POLICY_DIR / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
