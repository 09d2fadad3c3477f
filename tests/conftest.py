"""Shared test set-up: every test gets its own result cache, so no run reads another's entries."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path_factory.mktemp("leaklint-cache")
    monkeypatch.setenv("LEAKLINT_CACHE_DIR", str(directory))
    return directory
