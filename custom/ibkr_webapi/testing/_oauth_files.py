"""Credential sets in the formats IBKR hands out, written to a folder any OAuth client can read.

OAuth 1.0a (the self-service portal's items; file names as in ``ibkr_webapi.auth.credentials``)::

    consumer_key.txt  access_token.txt  access_token_secret.txt  realm.txt
    private_signature.pem  public_signature.pem      RSA 2048 (the public half is what IBKR holds)
    private_encryption.pem public_encryption.pem     RSA 2048; the secret is encrypted for it
    dhparam.pem  dh_prime.txt                         2048-bit safe prime, generator 2
    oauth1.env                                        the same as IBKR_OAUTH1_* variables

OAuth 2.0::

    client_id.txt  key_id.txt  private_key.pem  public_key.pem  credential.txt  ip.txt  oauth2.env

Private files are written with mode 0600 in a 0700 folder.
"""

from __future__ import annotations

import base64
import os
import secrets
import string
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ..auth.credentials import OAuth1Credentials, OAuth2Credentials
from ._oauth1 import OAuth1Consumer
from ._oauth2 import OAuth2Client

__all__ = [
    "RFC3526_PRIME_2048",
    "dhparam_pem",
    "has_oauth1_credentials",
    "has_oauth2_credentials",
    "load_oauth1_consumer",
    "load_oauth2_client",
    "write_oauth1_credentials",
    "write_oauth2_credentials",
]

# RFC 3526 group 14: a 2048-bit safe prime with generator 2. Making a fresh one takes minutes.
RFC3526_PRIME_2048 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA4836"
    "1C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804"
    "F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6"
    "955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF",
    16,
)


def _der_integer(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # a sign byte when needed
    return b"\x02" + _der_len(len(body)) + body


def _der_len(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def dhparam_pem(prime: int, generator: int = 2) -> str:
    """PKCS#3 ``DH PARAMETERS`` PEM, as ``openssl dhparam`` writes it."""
    body = _der_integer(prime) + _der_integer(generator)
    der = b"\x30" + _der_len(len(body)) + body
    encoded = base64.b64encode(der).decode("ascii")
    lines = "\n".join(encoded[i : i + 64] for i in range(0, len(encoded), 64))
    return f"-----BEGIN DH PARAMETERS-----\n{lines}\n-----END DH PARAMETERS-----\n"


def _folder(directory: str | os.PathLike[str]) -> Path:
    folder = Path(directory).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def _write(path: Path, text: str | bytes, *, private: bool = False) -> None:
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(data)
    path.chmod(0o600 if private else 0o644)


def _private_pem(key: rsa.RSAPrivateKey) -> bytes:
    # PKCS#1 ("BEGIN RSA PRIVATE KEY"), as `openssl genrsa` wrote it for years.
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _public_pem(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> str:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def has_oauth1_credentials(directory: str | os.PathLike[str]) -> bool:
    """Whether ``directory`` already holds an OAuth 1.0a credential set."""
    return (Path(directory).expanduser() / "consumer_key.txt").is_file()


def has_oauth2_credentials(directory: str | os.PathLike[str]) -> bool:
    """Whether ``directory`` already holds an OAuth 2.0 credential set."""
    return (Path(directory).expanduser() / "client_id.txt").is_file()


def write_oauth1_credentials(
    directory: str | os.PathLike[str],
    *,
    consumer_key: str | None = None,
    access_token: str | None = None,
    realm: str | None = None,
    dh_prime: int = RFC3526_PRIME_2048,
    key_size: int = 2048,
) -> OAuth1Consumer:
    """Make a complete OAuth 1.0a credential set in ``directory``; returns the server's side.

    The consumer key defaults to 9 random upper-case letters and the access token to 20 random hex
    characters; the secret is 32 random bytes, encrypted PKCS#1 v1.5 for the encryption key.
    """
    folder = _folder(directory)
    key = consumer_key or "".join(secrets.choice(string.ascii_uppercase) for _ in range(9))
    token = access_token or secrets.token_hex(10)
    realm = realm or ("test_realm" if key == "TESTCONS" else "limited_poa")
    signing = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    encrypting = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    secret = secrets.token_bytes(32)
    encrypted = base64.b64encode(encrypting.public_key().encrypt(secret, padding.PKCS1v15()))
    dhparam = dhparam_pem(dh_prime, 2)
    prime_hex = (
        "00" + format(dh_prime, "x") if dh_prime.bit_length() % 8 == 0 else format(dh_prime, "x")
    )

    _write(folder / "consumer_key.txt", key + "\n")
    _write(folder / "access_token.txt", token + "\n", private=True)
    _write(folder / "access_token_secret.txt", encrypted.decode("ascii") + "\n", private=True)
    _write(folder / "realm.txt", realm + "\n")
    _write(folder / "private_signature.pem", _private_pem(signing), private=True)
    _write(folder / "public_signature.pem", _public_pem(signing))
    _write(folder / "private_encryption.pem", _private_pem(encrypting), private=True)
    _write(folder / "public_encryption.pem", _public_pem(encrypting))
    _write(folder / "dhparam.pem", dhparam)
    _write(folder / "dh_prime.txt", prime_hex + "\n")
    env = {
        "IBKR_OAUTH1_DIR": str(folder),
        "IBKR_OAUTH1_CONSUMER_KEY": key,
        "IBKR_OAUTH1_ACCESS_TOKEN": token,
        "IBKR_OAUTH1_ACCESS_TOKEN_SECRET": encrypted.decode("ascii"),
        "IBKR_OAUTH1_SIGNATURE_KEY": str(folder / "private_signature.pem"),
        "IBKR_OAUTH1_ENCRYPTION_KEY": str(folder / "private_encryption.pem"),
        "IBKR_OAUTH1_DH_PRIME": prime_hex,
        "IBKR_OAUTH1_REALM": realm,
    }
    _write(folder / "oauth1.env", "".join(f"{k}={v}\n" for k, v in env.items()), private=True)
    return OAuth1Consumer(
        consumer_key=key,
        access_token=token,
        secret=secret,
        signature_public_key=_public_pem(signing),
        dh_prime=dh_prime,
        dh_generator=2,
        realm=realm,
        encryption_public_key=_public_pem(encrypting),
    )


def load_oauth1_consumer(directory: str | os.PathLike[str]) -> OAuth1Consumer:
    """The server's side of a credential set written before (e.g. to restart the simulator)."""
    creds = OAuth1Credentials.from_directory(directory)
    folder = Path(directory).expanduser()
    public_file = folder / "public_signature.pem"
    public = (
        public_file.read_text("ascii")
        if public_file.is_file()
        else _public_pem(creds.signature_key)
    )
    return OAuth1Consumer(
        consumer_key=creds.consumer_key,
        access_token=creds.access_token,
        secret=creds.secret,
        signature_public_key=public,
        dh_prime=creds.dh_prime,
        dh_generator=creds.dh_generator,
        realm=creds.realm,
        encryption_public_key=_file_text(folder / "public_encryption.pem"),
    )


def _file_text(path: Path) -> str | None:
    return path.read_text("ascii") if path.is_file() else None


def write_oauth2_credentials(
    directory: str | os.PathLike[str],
    *,
    client_id: str | None = None,
    key_id: str = "main",
    credential: str = "simuser",
    ip: str = "127.0.0.1",
    key_size: int = 2048,
) -> OAuth2Client:
    """Make an OAuth 2.0 client in ``directory``; returns the server's registration."""
    folder = _folder(directory)
    client = client_id or f"sim-client-{secrets.token_hex(4)}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    _write(folder / "client_id.txt", client + "\n")
    _write(folder / "key_id.txt", key_id + "\n")
    _write(folder / "credential.txt", credential + "\n")
    _write(folder / "ip.txt", ip + "\n")
    _write(folder / "private_key.pem", _private_pem(key), private=True)
    _write(folder / "public_key.pem", _public_pem(key))
    env = {
        "IBKR_OAUTH2_DIR": str(folder),
        "IBKR_OAUTH2_CLIENT_ID": client,
        "IBKR_OAUTH2_KEY_ID": key_id,
        "IBKR_OAUTH2_PRIVATE_KEY": str(folder / "private_key.pem"),
        "IBKR_OAUTH2_CREDENTIAL": credential,
        "IBKR_OAUTH2_IP": ip,
    }
    _write(folder / "oauth2.env", "".join(f"{k}={v}\n" for k, v in env.items()), private=True)
    return OAuth2Client(
        client_id=client, key_id=key_id, public_key=_public_pem(key), credential=credential
    )


def load_oauth2_client(directory: str | os.PathLike[str]) -> OAuth2Client:
    """The server's registration of an OAuth 2.0 credential set written before."""
    creds = OAuth2Credentials.from_directory(directory)
    return OAuth2Client(
        client_id=creds.client_id,
        key_id=creds.key_id,
        public_key=_public_pem(creds.private_key),
        credential=creds.credential,
    )
