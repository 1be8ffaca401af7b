"""``python -m mockserver``: the same as ``leadmock``."""

import sys

from mockserver.cli import main

sys.exit(main())
