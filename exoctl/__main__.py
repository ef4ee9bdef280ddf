import sys

from exoctl.cli import main

sys.exit(main())
