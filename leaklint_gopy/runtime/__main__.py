"""Entry point for `python -m leaklint_gopy.runtime`; the same as `leaklint runtime`.

As for `python -m leaklint_gopy`, the working directory `-m` puts first on sys.path is dropped before
anything else is imported, so no module of the directory being examined can shadow one of ours.
"""
from __future__ import annotations

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from leaklint_gopy.runtime.cli import main  # noqa: E402 - after sys.path is made safe

sys.exit(main(sys.argv[1:]))
