"""The server's secret for join codes and personal keys, kept out of the database.

Join codes are short enough to type (8 characters, about 40 bits). Stored as a plain hash,
a copy of the database would give them all up to a brute force of minutes; stored as an
HMAC under a key the database does not hold, a copy alone gives up nothing. The key is
``COACH_SECRET_KEY`` when set — the same value on every replica of a shared deployment — or
else a random key created once in the data directory (``secret.key``, readable by its owner
only), which is right for one machine.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from pathlib import Path

from coach.errors import ConfigError
from coach.settings import Settings

KEY_FILE = "secret.key"


def server_key(settings: Settings) -> bytes:
    given = settings.secret_key.get_secret_value()
    if given:
        return hashlib.sha256(given.encode("utf-8")).digest()
    if settings.database_url:
        raise ConfigError(
            "COACH_SECRET_KEY is not set: with COACH_DATABASE_URL the app may run on several "
            "machines, and join codes only work where the key is the same; set it to the same "
            "long random value on every replica (e.g. python -c 'import secrets; "
            "print(secrets.token_hex(32))')"
        )
    return _key_file(settings.ensure_data_dir() / KEY_FILE)


def _key_file(path: Path) -> bytes:
    """Read the key, or create it exactly once even when processes race to do so."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
    for _ in range(50):  # another process may be between creating and writing it
        text = path.read_text(encoding="ascii").strip()
        if len(text) == 64:
            return bytes.fromhex(text)
        time.sleep(0.02)
    raise ConfigError(f"{path}: not a secret key (64 hex characters); delete it to make a new one")
