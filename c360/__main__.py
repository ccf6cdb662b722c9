"""Entry point of ``python -m c360``."""

import sys

from c360.cli import main

sys.exit(main())
