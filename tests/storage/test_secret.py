"""The key join codes are hashed with: from COACH_SECRET_KEY, or a file made once."""

from __future__ import annotations

import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from coach.errors import ConfigError
from coach.settings import Settings
from coach.storage.secret import KEY_FILE, server_key


def key_for(data_dir: str) -> bytes:
    return server_key(Settings(data_dir=Path(data_dir)))


def test_one_machine_gets_a_private_key_file_made_once_even_when_processes_race(tmp_path):
    with ProcessPoolExecutor(4) as pool:
        keys = set(pool.map(key_for, [str(tmp_path)] * 8))
    assert len(keys) == 1 and len(keys.pop()) == 32
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600


def test_the_operators_key_wins_and_a_server_database_needs_one(tmp_path):
    chosen = Settings(data_dir=tmp_path, secret_key="same on every replica")
    assert server_key(chosen) == server_key(
        Settings(data_dir=tmp_path / "other", secret_key="same on every replica")
    )
    assert not (tmp_path / KEY_FILE).exists()
    with pytest.raises(ConfigError, match="COACH_SECRET_KEY"):
        server_key(Settings(data_dir=tmp_path, database_url="postgresql://db.internal/coach"))
