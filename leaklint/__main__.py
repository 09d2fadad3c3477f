"""Entry point for `python -m leaklint`."""
from __future__ import annotations

import sys

from leaklint.cli import main

sys.exit(main())
