"""``python -m delivery``: the admin command line (see :mod:`delivery.cli`)."""

import sys

from delivery.cli import main

sys.exit(main())
