"""``python -m nodenet``: the nodenet command."""

import sys

from .cli import main

sys.exit(main())
