"""The instance's Ed25519 key: it signs checkpoints of the chain head (and poll records).

The key lives outside the database, in a file (``SIGNING_KEY_FILE``, by default
``signing_key`` under ``VAR_DIR``), created with mode 0600 the first time it is needed: an
attacker who can rewrite the database, and recompute the whole chain, cannot sign a head
that a checkpoint someone kept would accept. The key is never logged nor returned; only its
public half is.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.signing import SigningKey, VerifyKey

from constitution.settings import Settings

ALGORITHM = "ed25519"
SEED_BYTES = 32


class SigningKeyError(RuntimeError):
    """The key file is missing (when it may not be created) or unreadable."""


@dataclass(frozen=True)
class InstanceKey:
    _key: SigningKey

    def sign(self, data: bytes) -> bytes:
        """The 64-byte detached signature of ``data``."""
        return bytes(self._key.sign(data).signature)

    @property
    def public_key(self) -> bytes:
        return bytes(self._key.verify_key)

    def __repr__(self) -> str:  # never the private half, even in a traceback
        return f"InstanceKey(public_key={b64(self.public_key)})"


_CACHE: dict[Path, InstanceKey] = {}


def key_path(settings: Settings) -> Path:
    return settings.signing_key_file or settings.var_dir / "signing_key"


def _create(path: Path) -> None:
    """Write a new key without ever replacing one: written whole to a private temporary
    file, then linked into place (two processes creating at once keep the first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(b64(secrets.token_bytes(SEED_BYTES)) + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: keep its key
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def load_key(path: Path, *, create: bool = True) -> InstanceKey:
    """The key in ``path``; created first when missing and ``create`` is true."""
    cached = _CACHE.get(path)
    if cached is not None:
        return cached
    if not path.exists():
        if not create:
            raise SigningKeyError(f"there is no signing key at {path}")
        _create(path)
    try:
        seed = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
        key = InstanceKey(SigningKey(seed))
    except (OSError, ValueError, CryptoError, TypeError) as error:
        raise SigningKeyError(f"the signing key at {path} cannot be read") from error
    _CACHE[path] = key
    return key


def instance_key(settings: Settings, *, create: bool = True) -> InstanceKey:
    return load_key(key_path(settings), create=create)


def verify_signature(public_key: bytes, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``data`` by ``public_key``."""
    try:
        VerifyKey(public_key).verify(data, signature)
    except (BadSignatureError, CryptoError, ValueError, TypeError):
        return False
    return True


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object) -> bytes | None:
    """Standard base64 text as bytes, or ``None`` when it is not."""
    if not isinstance(text, str):
        return None
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return None
