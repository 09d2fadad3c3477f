"""Entry point for `python -m leaklint.runtime`; the same as `leaklint runtime`."""
from __future__ import annotations

import sys

from leaklint.runtime.cli import main

sys.exit(main(sys.argv[1:]))
