"""Entry point for `python -m leaklint_gopy`.

`python -m` puts the working directory first on sys.path; analysed trees are often the working
directory, and a tree's own `ssl.py` or `tree_sitter.py` must never be importable by leaklint.
The entry is dropped before anything else is imported (the package itself resolves through its
own `__path__`, not sys.path).
"""
from __future__ import annotations

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from leaklint_gopy.cli import main  # noqa: E402 - after sys.path is made safe

sys.exit(main())
