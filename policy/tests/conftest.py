import sys
from pathlib import Path

# The pack's modules import each other by their bare names, as the policy host loads them.
POLICY_DIR = Path(__file__).resolve().parent.parent
if str(POLICY_DIR) not in sys.path:
    sys.path.insert(0, str(POLICY_DIR))
