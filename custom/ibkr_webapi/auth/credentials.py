"""OAuth credentials: what IBKR hands out, loaded from a folder, environment variables or arguments.

OAuth 1.0a (first party) folder, as ``ibkr-webapi simulate --oauth1`` writes it::

    consumer_key.txt          9 upper-case letters (third-party consumers: 25 hex characters)
    access_token.txt          the access token (20 hex characters)
    access_token_secret.txt   base64 of the RSA-encrypted secret (344 characters)
    private_signature.pem     RSA private key that signs the live session token request
    private_encryption.pem    RSA private key that decrypts the access token secret
    dhparam.pem               Diffie-Hellman parameters (or dh_prime.txt: the prime as hex)
    realm.txt                 optional; limited_poa (test_realm for IBKR's TESTCONS)

OAuth 2.0 (``private_key_jwt``) folder::

    client_id.txt   key_id.txt (optional, default "main")   private_key.pem
    credential.txt  (the IBKR username)   ip.txt (optional: the caller's public IP)

Environment variables (each overrides the folder's file): ``IBKR_OAUTH1_DIR``,
``IBKR_OAUTH1_CONSUMER_KEY``, ``IBKR_OAUTH1_ACCESS_TOKEN``, ``IBKR_OAUTH1_ACCESS_TOKEN_SECRET``,
``IBKR_OAUTH1_SIGNATURE_KEY`` and ``IBKR_OAUTH1_ENCRYPTION_KEY`` (a PEM path or PEM text),
``IBKR_OAUTH1_DH_PRIME`` (hex, a dhparam.pem path or PEM text), ``IBKR_OAUTH1_REALM``;
``IBKR_OAUTH2_DIR``, ``IBKR_OAUTH2_CLIENT_ID``, ``IBKR_OAUTH2_KEY_ID``, ``IBKR_OAUTH2_PRIVATE_KEY``,
``IBKR_OAUTH2_CREDENTIAL``, ``IBKR_OAUTH2_IP``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import attrs
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import CredentialsError
from ._material import (
    KeySource,
    TextSource,
    decrypt_access_token_secret,
    load_dh_parameters,
    load_rsa_private_key,
    read_text,
)

__all__ = [
    "OAUTH1_FILES",
    "OAUTH2_FILES",
    "OAuth1Credentials",
    "OAuth2Credentials",
]

OAUTH1_FILES: Mapping[str, str] = {
    "consumer_key": "consumer_key.txt",
    "access_token": "access_token.txt",
    "access_token_secret": "access_token_secret.txt",
    "signature_key": "private_signature.pem",
    "encryption_key": "private_encryption.pem",
    "dh_prime": "dhparam.pem",
    "realm": "realm.txt",
}
_OAUTH1_PRIME_TEXT = "dh_prime.txt"
OAUTH2_FILES: Mapping[str, str] = {
    "client_id": "client_id.txt",
    "key_id": "key_id.txt",
    "private_key": "private_key.pem",
    "credential": "credential.txt",
    "ip": "ip.txt",
}
_PATH_ITEMS = frozenset({"signature_key", "encryption_key", "dh_prime", "private_key"})
_OPTIONAL = frozenset({"realm", "key_id", "ip"})


def _clean_text(value: str, what: str, origin: str) -> str:
    text = value.strip()
    if not text:
        raise CredentialsError(f"{what}: {origin} is empty")
    if any(ch.isspace() for ch in text):
        raise CredentialsError(
            f"{what}: {origin} contains spaces or line breaks; copy it again without them"
        )
    return text


class _Items:
    """Credential items gathered from a folder and the environment, with where each came from."""

    def __init__(self, prefix: str, files: Mapping[str, str]) -> None:
        self._prefix = prefix
        self._files = files
        self.values: dict[str, str] = {}
        self.origins: dict[str, str] = {}

    def add_directory(self, directory: str | os.PathLike[str]) -> None:
        folder = Path(os.path.expanduser(os.fspath(directory)))
        if not folder.is_dir():
            raise CredentialsError(
                f"OAuth credentials folder {folder} does not exist or is not a folder"
            )
        for item, name in self._files.items():
            path = folder / name
            if item == "dh_prime" and not path.exists() and (folder / _OAUTH1_PRIME_TEXT).exists():
                path = folder / _OAUTH1_PRIME_TEXT
            if not path.exists():
                continue
            origin = f"file {path}"
            self.origins[item] = origin
            if item in _PATH_ITEMS:
                self.values[item] = str(path)
            else:
                self.values[item] = read_text(path, item.replace("_", " "), origin)

    def add_environment(self, environ: Mapping[str, str]) -> None:
        for item in self._files:
            name = f"{self._prefix}{item.upper()}"
            value = environ.get(name)
            if value is not None and value.strip():
                self.values[item] = value
                self.origins[item] = f"environment variable {name}"

    @classmethod
    def from_directory(
        cls,
        prefix: str,
        files: Mapping[str, str],
        directory: str | os.PathLike[str],
        environ: Mapping[str, str] | None,
    ) -> _Items:
        """The folder's items, ``environ`` entries overriding them; all required ones present."""
        items = cls(prefix, files)
        items.add_directory(directory)
        if environ is not None:
            items.add_environment(environ)
        items.require(f"folder {directory}")
        return items

    @classmethod
    def from_env(
        cls, prefix: str, files: Mapping[str, str], environ: Mapping[str, str] | None
    ) -> _Items:
        """Items from ``<prefix>*`` variables, over the folder named by ``<prefix>DIR``."""
        env = os.environ if environ is None else environ
        items = cls(prefix, files)
        directory = env.get(f"{prefix}DIR", "").strip()
        if directory:
            items.add_directory(directory)
        items.add_environment(env)
        items.require(f"the environment ({prefix}DIR or {prefix}* variables)")
        return items

    def require(self, where: str) -> None:
        missing = [
            item for item in self._files if item not in self.values and item not in _OPTIONAL
        ]
        if missing:
            names = ", ".join(
                f"{self._prefix}{item.upper()} (or {self._files[item]})" for item in missing
            )
            raise CredentialsError(f"OAuth credentials incomplete in {where}: missing {names}")

    def text(self, item: str) -> str:
        return _clean_text(self.values[item], item.replace("_", " "), self.origins[item])


def _redacted(_: object) -> str:
    return "'[redacted]'"


@attrs.frozen(kw_only=True)
class OAuth1Credentials:
    """A first-party OAuth 1.0a consumer's credentials, decrypted and checked.

    ``secret`` is the decrypted access token secret (its hex is the "prepend"). Reprs never show a
    secret; build one with :meth:`load`, :meth:`from_directory` or :meth:`from_env`.
    """

    consumer_key: str
    access_token: str = attrs.field(repr=_redacted)
    secret: bytes = attrs.field(repr=_redacted)
    signature_key: rsa.RSAPrivateKey = attrs.field(repr=_redacted)
    dh_prime: int = attrs.field(repr=lambda p: f"<{p.bit_length()}-bit prime>")
    dh_generator: int = 2
    realm: str = "limited_poa"

    @classmethod
    def load(
        cls,
        *,
        consumer_key: str,
        access_token: str,
        access_token_secret: str,
        signature_key: KeySource,
        encryption_key: KeySource,
        dh_prime: TextSource | int,
        dh_generator: int | None = None,
        realm: str | None = None,
        origins: Mapping[str, str] | None = None,
    ) -> OAuth1Credentials:
        """Check and decrypt the items as IBKR's portal gives them.

        Keys are PEM paths, PEM text or loaded keys; ``dh_prime`` is hex (as ``openssl dhparam
        -text`` prints it), a ``dhparam.pem`` path or PEM text; ``realm`` defaults to
        ``limited_poa`` (``test_realm`` for IBKR's ``TESTCONS``).
        """
        where = dict(origins or {})
        key = _clean_text(consumer_key, "consumer key", where.get("consumer_key", "the value"))
        token = _clean_text(access_token, "access token", where.get("access_token", "the value"))
        signing = load_rsa_private_key(signature_key, "signature key", where.get("signature_key"))
        decrypting = load_rsa_private_key(
            encryption_key, "encryption key", where.get("encryption_key")
        )
        secret = decrypt_access_token_secret(
            decrypting,
            access_token_secret,
            where.get("access_token_secret", "the access token secret given"),
        )
        prime, pem_generator = load_dh_parameters(dh_prime, origin=where.get("dh_prime"))
        generator = dh_generator or pem_generator or 2
        default_realm = "test_realm" if key == "TESTCONS" else "limited_poa"
        return cls(
            consumer_key=key,
            access_token=token,
            secret=secret,
            signature_key=signing,
            dh_prime=prime,
            dh_generator=generator,
            realm=(realm or "").strip() or default_realm,
        )

    @classmethod
    def from_directory(
        cls, directory: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
    ) -> OAuth1Credentials:
        """Load the folder layout in this module's docs (``environ`` entries override files)."""
        return cls._from_items(
            _Items.from_directory("IBKR_OAUTH1_", OAUTH1_FILES, directory, environ)
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OAuth1Credentials:
        """Load from ``IBKR_OAUTH1_*`` environment variables (``IBKR_OAUTH1_DIR``: a folder)."""
        return cls._from_items(_Items.from_env("IBKR_OAUTH1_", OAUTH1_FILES, environ))

    @classmethod
    def _from_items(cls, items: _Items) -> OAuth1Credentials:
        values, origins = items.values, items.origins
        return cls.load(
            consumer_key=items.text("consumer_key"),
            access_token=items.text("access_token"),
            access_token_secret=values["access_token_secret"],
            signature_key=values["signature_key"],
            encryption_key=values["encryption_key"],
            dh_prime=values["dh_prime"],
            realm=values.get("realm"),
            origins=origins,
        )

    @property
    def prepend(self) -> str:
        """Lower-case hex of the decrypted secret (IBKR's "prepend"); a secret."""
        return self.secret.hex()


@attrs.frozen(kw_only=True)
class OAuth2Credentials:
    """An OAuth 2.0 ``private_key_jwt`` client: its id, key id, private key and IBKR username.

    ``ip`` is the caller's public IP for the SSO-session request; the client never looks it up over
    the network by itself (pass it, or an ``ip=`` callable to :class:`~ibkr_webapi.auth.OAuth2Auth`).
    """

    client_id: str
    key_id: str = "main"
    private_key: rsa.RSAPrivateKey = attrs.field(repr=_redacted)
    credential: str
    ip: str | None = None

    @classmethod
    def load(
        cls,
        *,
        client_id: str,
        private_key: KeySource,
        credential: str,
        key_id: str | None = None,
        ip: str | None = None,
        origins: Mapping[str, str] | None = None,
    ) -> OAuth2Credentials:
        """Check the items; ``private_key`` is a PEM path, PEM text or a loaded RSA key."""
        where = dict(origins or {})
        return cls(
            client_id=_clean_text(client_id, "client id", where.get("client_id", "the value")),
            key_id=_clean_text(key_id, "key id", where.get("key_id", "the value"))
            if key_id and key_id.strip()
            else "main",
            private_key=load_rsa_private_key(private_key, "private key", where.get("private_key")),
            credential=_clean_text(credential, "credential", where.get("credential", "the value")),
            ip=ip.strip() if ip and ip.strip() else None,
        )

    @classmethod
    def from_directory(
        cls, directory: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
    ) -> OAuth2Credentials:
        """Load the folder layout in this module's docs (``environ`` entries override files)."""
        return cls._from_items(
            _Items.from_directory("IBKR_OAUTH2_", OAUTH2_FILES, directory, environ)
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OAuth2Credentials:
        """Load from ``IBKR_OAUTH2_*`` environment variables (``IBKR_OAUTH2_DIR``: a folder)."""
        return cls._from_items(_Items.from_env("IBKR_OAUTH2_", OAUTH2_FILES, environ))

    @classmethod
    def _from_items(cls, items: _Items) -> OAuth2Credentials:
        values = items.values
        return cls.load(
            client_id=items.text("client_id"),
            key_id=items.text("key_id") if "key_id" in values else None,
            private_key=values["private_key"],
            credential=items.text("credential"),
            ip=items.text("ip") if "ip" in values else None,
            origins=items.origins,
        )
