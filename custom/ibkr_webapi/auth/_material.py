"""Turn credential material (PEM files, the DH prime, the encrypted secret) into keys and numbers.

Every failure is a :class:`~ibkr_webapi.errors.CredentialsError` that names the item and where it
came from (a file path or an environment variable) and says how to fix it; the material itself never
appears in a message.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from pathlib import Path
from typing import TypeAlias

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ..errors import CredentialsError

__all__ = [
    "KeySource",
    "TextSource",
    "decrypt_access_token_secret",
    "describe",
    "load_dh_parameters",
    "load_rsa_private_key",
    "read_text",
]

TextSource: TypeAlias = "str | os.PathLike[str]"
KeySource: TypeAlias = "str | bytes | os.PathLike[str] | rsa.RSAPrivateKey"
"""A key: a PEM file path, PEM text (``str`` or ``bytes``), or an already loaded key."""

_PEM_MARK = "-----BEGIN"
_MIN_PRIME_BITS = 1024
_SMALL_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
# Three Miller-Rabin rounds: a mistyped or truncated 2048-bit number passes none of them in practice,
# and the check stays cheap (about 15 ms a round) at start-up.
_MR_BASES = (2, 3, 5)


def describe(source: object, origin: str | None = None) -> str:
    """How to name a source in a message: its origin, or a file path, never its content."""
    if origin:
        return origin
    if isinstance(source, os.PathLike) or (isinstance(source, str) and _PEM_MARK not in source):
        return f"file {os.fspath(source)!s}"
    return "the PEM text given"


def read_text(path: str | os.PathLike[str], what: str, origin: str | None = None) -> str:
    """The content of a credentials file; a typed error when it is missing or unreadable."""
    file = Path(os.path.expanduser(os.fspath(path)))
    where = f"file {file}" if not origin or str(file) in origin else f"{origin} (file {file})"
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CredentialsError(
            f"{what}: {where} does not exist; check the path (IBKR's self-service portal gives "
            "you this item when you register the consumer)"
        ) from None
    except IsADirectoryError:
        raise CredentialsError(f"{what}: {where} is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"{what}: cannot read {where} ({type(exc).__name__})") from None


def _pem_bytes(source: str | bytes | os.PathLike[str], what: str, origin: str | None) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, str) and _PEM_MARK in source:
        return source.encode("utf-8")
    return read_text(source, what, origin).encode("utf-8")


def load_rsa_private_key(
    source: KeySource, what: str, origin: str | None = None
) -> rsa.RSAPrivateKey:
    """An RSA private key from a PEM file, PEM text or a loaded key (PKCS#1 or PKCS#8)."""
    if isinstance(source, rsa.RSAPrivateKey):
        return source
    where = describe(source, origin)
    data = _pem_bytes(source, what, origin)
    text = data.decode("utf-8", errors="replace")
    if _PEM_MARK not in text:
        raise CredentialsError(
            f"{what}: {where} is not a PEM file (no '-----BEGIN' line); give the RSA private key "
            "made with `openssl genrsa -out key.pem 2048`"
        )
    if "PUBLIC KEY-----" in text and "PRIVATE KEY-----" not in text:
        raise CredentialsError(
            f"{what}: {where} holds a public key; the client needs the private key (the public "
            "half is what you uploaded to IBKR)"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise CredentialsError(
            f"{what}: {where} is encrypted with a passphrase; decrypt it first "
            "(`openssl rsa -in key.pem -out key-plain.pem`) and keep the file private"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise CredentialsError(
            f"{what}: {where} is not a readable PEM private key (damaged, truncated, or with "
            "Windows line endings mixed in); make it again with `openssl genrsa`"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CredentialsError(
            f"{what}: {where} holds a {type(key).__name__.removeprefix('_')} key; IBKR needs an "
            "RSA key (`openssl genrsa -out key.pem 2048`)"
        )
    return key


def _is_probable_prime(n: int) -> bool:
    """Miller-Rabin with fixed bases: catches a mistyped or truncated prime, cheaply."""
    if n < 2:
        return False
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for base in _MR_BASES:
        x = pow(base, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _der_length(data: bytes, at: int) -> tuple[int, int]:
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if count == 0 or count > 4 or at + 1 + count > len(data):
        raise ValueError("bad DER length")
    return int.from_bytes(data[at + 1 : at + 1 + count], "big"), at + 1 + count


def _der_integers(der: bytes) -> list[int]:
    """The INTEGERs at the top of a DER SEQUENCE (PKCS#3 and X9.42 DH parameters start p, g)."""
    if not der or der[0] != 0x30:
        raise ValueError("not a DER SEQUENCE")
    length, at = _der_length(der, 1)
    end = at + length
    if end > len(der):
        raise ValueError("truncated DER")
    numbers: list[int] = []
    while at < end and der[at] == 0x02:
        size, at = _der_length(der, at + 1)
        if at + size > end:
            raise ValueError("truncated DER INTEGER")
        numbers.append(int.from_bytes(der[at : at + size], "big", signed=True))
        at += size
    return numbers


def _prime_from_pem(data: bytes, what: str, where: str) -> tuple[int, int]:
    """(p, g) from "DH PARAMETERS" (PKCS#3) or "X9.42 DH PARAMETERS" PEM text.

    Parsed here rather than by ``cryptography``, which deprecates finite-field DH objects.
    """
    text = data.decode("ascii", errors="replace")
    match = re.search(
        r"-----BEGIN (?:X9\.42 )?DH PARAMETERS-----(.*?)-----END (?:X9\.42 )?DH PARAMETERS-----",
        text,
        re.DOTALL,
    )
    try:
        if match is None:
            raise ValueError("no DH PARAMETERS block")
        numbers = _der_integers(base64.b64decode("".join(match[1].split()), validate=True))
        if len(numbers) < 2 or numbers[0] <= 0 or numbers[1] <= 1:
            raise ValueError("no prime and generator")
    except (ValueError, binascii.Error, IndexError):
        raise CredentialsError(
            f"{what}: {where} is not a readable 'DH PARAMETERS' PEM file; give dhparam.pem as made "
            "by `openssl dhparam -out dhparam.pem 2048`, or the prime as hex"
        ) from None
    return numbers[0], numbers[1]


def _prime_from_hex(text: str, what: str, where: str) -> int:
    cleaned = re.sub(r"[\s:]", "", text)
    cleaned = cleaned.removeprefix("0x").removeprefix("0X")
    if not cleaned or not re.fullmatch(r"[0-9a-fA-F]+", cleaned):
        raise CredentialsError(
            f"{what}: {where} is neither hex nor a dhparam.pem file; give the prime as "
            "`openssl dhparam -in dhparam.pem -text` prints it (hex, colons and a leading 00 are "
            "fine), or the path of dhparam.pem"
        )
    return int(cleaned, 16)


def load_dh_parameters(
    source: TextSource | int, what: str = "Diffie-Hellman prime", origin: str | None = None
) -> tuple[int, int | None]:
    """``(prime, generator)`` from hex text, a ``dhparam.pem`` path or PEM text, or an int.

    The generator is ``None`` unless a PEM file states it (IBKR's is always 2).
    """
    generator: int | None = None
    where = describe(source, origin)
    if isinstance(source, int):
        prime = source
        where = origin or "the prime given"
    else:
        text = os.fspath(source)
        if _PEM_MARK in text:
            prime, generator = _prime_from_pem(text.encode("utf-8"), what, where)
        elif isinstance(source, os.PathLike) or re.search(r"[/\\.]", text.strip()):
            content = read_text(text, what, origin)
            where = origin or f"file {text}"
            if _PEM_MARK in content:
                prime, generator = _prime_from_pem(content.encode("utf-8"), what, where)
            else:
                prime = _prime_from_hex(content, what, where)
        else:
            prime = _prime_from_hex(text, what, where)
    if prime.bit_length() < _MIN_PRIME_BITS:
        raise CredentialsError(
            f"{what}: {where} is a {prime.bit_length()}-bit number; IBKR's prime has 2048 bits. "
            "Was it cut short when copied?"
        )
    if not _is_probable_prime(prime):
        raise CredentialsError(
            f"{what}: {where} is not a prime; it was probably mistyped or cut short when copied. "
            "Print it again with `openssl dhparam -in dhparam.pem -text`"
        )
    return prime, generator


def decrypt_access_token_secret(
    key: rsa.RSAPrivateKey, encrypted: str, origin: str = "the access token secret"
) -> bytes:
    """The secret behind IBKR's access token secret (base64 of an RSA PKCS#1 v1.5 ciphertext).

    A ciphertext of the wrong size is refused here; one made for another key cannot be told apart
    from a right one (RSA implicit rejection), and fails later when IBKR checks the signature.
    """
    text = "".join(encrypted.split())
    try:
        ciphertext = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CredentialsError(
            f"access token secret: {origin} is not valid base64; copy it again whole from IBKR's "
            "portal (it is 344 characters long and usually ends with '=')"
        ) from None
    size = (key.key_size + 7) // 8
    if len(ciphertext) != size:
        raise CredentialsError(
            f"access token secret: {origin} decodes to {len(ciphertext)} bytes but the private "
            f"encryption key needs {size}; check that it was copied whole and that the encryption "
            "key is the one whose public half you uploaded"
        )
    try:
        return key.decrypt(ciphertext, padding.PKCS1v15())
    except ValueError:
        raise CredentialsError(
            f"access token secret: {origin} does not decrypt with the private encryption key; "
            "check that the encryption key is the one whose public half you uploaded to IBKR"
        ) from None
