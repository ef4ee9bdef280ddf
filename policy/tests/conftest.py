import sys
from pathlib import Path

POLICY_DIR = Path(__file__).resolve().parent.parent
for path in (POLICY_DIR, POLICY_DIR.parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
