"""Signed checkpoints: a replica's Ed25519 signature over (log, tree size, root hash).

The signed text is the body of a C2SP signed note (https://c2sp.org/tlog-checkpoint)::

    <origin>\\n<tree size, decimal>\\n<root hash, standard base64>\\n

``origin`` names the log: ``ai-lineage/<replica>/events`` or ``ai-lineage/<replica>/access``. The time a
checkpoint was made is kept beside it, unsigned. The key is made on first start in ``<data_dir>/checkpoint.key``
(PKCS#8 PEM, mode 0600); its public half is served at ``GET /api/v1/events/checkpoints/key``.
"""

from __future__ import annotations

import base64
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lineage_api.core.errors import ConfigurationError
from lineage_api.core.files import private_file

KEY_FILE = "checkpoint.key"


def origin(replica: str, log: str = "events") -> str:
    return f"ai-lineage/{replica}/{log}"


def load_key(data_dir: Path) -> Ed25519PrivateKey:
    """This replica's signing key, made (0600) on first use."""
    path = private_file(data_dir / KEY_FILE)
    pem = path.read_bytes()
    if not pem:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.write_bytes(pem)
        return key
    loaded = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} does not hold an Ed25519 private key")
    return loaded


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def public_raw(key: Ed25519PublicKey) -> str:
    """The 32-byte raw public key, standard base64."""
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    at: str
    signature: bytes

    def text(self) -> bytes:
        return signed_text(self.origin, self.size, self.root)

    def verifies(self, key: Ed25519PublicKey) -> bool:
        try:
            key.verify(self.signature, self.text())
        except InvalidSignature:
            return False
        return True


def signed_text(log_origin: str, size: int, root: bytes) -> bytes:
    return f"{log_origin}\n{size}\n{base64.b64encode(root).decode()}\n".encode()


def sign(key: Ed25519PrivateKey, *, log_origin: str, size: int, root: bytes, at: str) -> Checkpoint:
    return Checkpoint(log_origin, size, root, at, key.sign(signed_text(log_origin, size, root)))


def save(db: sqlite3.Connection, checkpoint: Checkpoint) -> None:
    """Keep a checkpoint (a second one of the same size is ignored: the first stands)."""
    db.execute(
        "INSERT OR IGNORE INTO checkpoints (origin, size, root, at, signature) VALUES (?, ?, ?, ?, ?)",
        (
            checkpoint.origin,
            checkpoint.size,
            base64.b64encode(checkpoint.root).decode(),
            checkpoint.at,
            base64.b64encode(checkpoint.signature).decode(),
        ),
    )


def from_text(log_origin: str, size: int, root: str, at: str, signature: str) -> Checkpoint:
    """A checkpoint from its stored (base64) form; undecodable base64 gives empty bytes, which never verify."""
    return Checkpoint(log_origin, int(size), _b64(root), at, _b64(signature))


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return b""


def load(db: sqlite3.Connection, log_origin: str, *, limit: int = 1_000_000) -> list[Checkpoint]:
    """This log's checkpoints, newest first."""
    rows = db.execute(
        "SELECT origin, size, root, at, signature FROM checkpoints WHERE origin = ? ORDER BY size DESC LIMIT ?",
        (log_origin, limit),
    ).fetchall()
    return [from_text(*row) for row in rows]
