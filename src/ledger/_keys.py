"""Ed25519 keys: the user's files, read when needed and kept nowhere (the `sign` extra)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import attrs

from ledger.errors import LedgerError, MissingDependencyError, ProofError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@attrs.frozen(slots=True)
class Crypto:
    serialization: Any
    Ed25519PrivateKey: Any
    Ed25519PublicKey: Any
    InvalidSignature: type[Exception]


def crypto() -> Crypto:
    try:
        from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - the `sign` extra
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
            Ed25519PrivateKey,
            Ed25519PublicKey,
        )
    except ImportError:
        raise MissingDependencyError("sign", "signing or checking a signed head") from None
    return Crypto(serialization, Ed25519PrivateKey, Ed25519PublicKey, InvalidSignature)


def _read_key(path: str | os.PathLike[str], what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ProofError(what, f"cannot read {os.fspath(path)!r}: {exc.strerror}") from None


def private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    lib = crypto()
    data = _read_key(path, "key")
    key = _parsed(lambda: lib.serialization.load_pem_private_key(data, password=None), "key")
    if not isinstance(key, lib.Ed25519PrivateKey):
        raise ProofError("key", f"{os.fspath(path)!r} is not an Ed25519 private key")
    return cast("Ed25519PrivateKey", key)


def public_key(value: str | os.PathLike[str] | bytes) -> bytes:
    """An Ed25519 public key's 32 raw bytes, from a PEM file or as given."""
    lib = crypto()
    if isinstance(value, bytes):
        if len(value) != 32:  # noqa: PLR2004 - an Ed25519 key's size
            raise ProofError("public_key", "must be 32 bytes")
        return value
    data = _read_key(value, "public_key")
    key = _parsed(lambda: lib.serialization.load_pem_public_key(data), "public_key")
    if not isinstance(key, lib.Ed25519PublicKey):
        raise ProofError("public_key", f"{os.fspath(value)!r} is not an Ed25519 public key")
    raw: bytes = key.public_bytes(
        lib.serialization.Encoding.Raw, lib.serialization.PublicFormat.Raw
    )
    return raw


def _parsed(load: Callable[[], object], what: str) -> object:
    try:
        return load()
    except (ValueError, TypeError, LedgerError) as exc:
        raise ProofError(what, f"is not a PEM key file ({exc})") from None
