"""``python -m mockserver``: the same as ``leadmock``."""

import sys

from mockserver.entry import main

sys.exit(main())
