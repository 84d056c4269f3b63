"""Loading OAuth credentials from folders, environment variables and arguments; every malformed item
is a CredentialsError that names it and where it came from, never its content."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ibkr_webapi import IBKRClient, errors
from ibkr_webapi.auth import OAuth1Credentials, OAuth2Credentials
from ibkr_webapi.auth._material import load_dh_parameters
from ibkr_webapi.testing import load_oauth1_consumer, load_oauth2_client
from ibkr_webapi.testing._oauth_files import RFC3526_PRIME_2048, dhparam_pem

from .helpers import OAuth1Set, OAuth2Set


@pytest.fixture
def folder(oauth1_set: OAuth1Set, tmp_path: Path) -> Path:
    copy = tmp_path / "creds"
    shutil.copytree(oauth1_set.directory, copy)
    return copy


def _env(directory: Path) -> dict[str, str]:
    text = (directory / "oauth1.env").read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def test_folder_env_file_and_variables_give_the_same_credentials(
    oauth1_set: OAuth1Set, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_folder = OAuth1Credentials.from_directory(oauth1_set.directory)
    assert from_folder.secret == oauth1_set.consumer.secret
    assert from_folder.consumer_key == "SIMCONSMR" and from_folder.realm == "limited_poa"
    assert from_folder.dh_prime == RFC3526_PRIME_2048 and from_folder.dh_generator == 2

    variables = _env(oauth1_set.directory)
    del variables["IBKR_OAUTH1_DIR"]
    from_env = OAuth1Credentials.from_env(variables)
    assert from_env.secret == from_folder.secret
    assert from_env.access_token == from_folder.access_token

    # PEM text instead of paths (containers), and the DH prime as a dhparam.pem path
    pem = (oauth1_set.directory / "private_signature.pem").read_text()
    variables["IBKR_OAUTH1_SIGNATURE_KEY"] = pem
    variables["IBKR_OAUTH1_DH_PRIME"] = str(oauth1_set.directory / "dhparam.pem")
    assert OAuth1Credentials.from_env(variables).dh_prime == RFC3526_PRIME_2048

    monkeypatch.setenv("IBKR_OAUTH1_DIR", str(oauth1_set.directory))
    assert OAuth1Credentials.from_env().secret == from_folder.secret
    assert load_oauth1_consumer(oauth1_set.directory) == oauth1_set.consumer


def test_environment_overrides_the_folder(folder: Path) -> None:
    with pytest.raises(errors.CredentialsError, match="environment variable IBKR_OAUTH1_DH_PRIME"):
        OAuth1Credentials.from_env({"IBKR_OAUTH1_DIR": str(folder), "IBKR_OAUTH1_DH_PRIME": "xyz"})


def test_dh_prime_forms() -> None:
    hex_prime = format(RFC3526_PRIME_2048, "x")
    assert load_dh_parameters("00" + hex_prime)[0] == RFC3526_PRIME_2048
    assert load_dh_parameters("0x" + hex_prime.upper())[0] == RFC3526_PRIME_2048
    # as `openssl dhparam -text` prints it: indented lines of colon-separated bytes
    pairs = ["00"] + [hex_prime[i : i + 2] for i in range(0, len(hex_prime), 2)]
    printed = "\n".join(
        "    " + ":".join(pairs[i : i + 15]) + ":" for i in range(0, len(pairs), 15)
    )
    assert load_dh_parameters(printed)[0] == RFC3526_PRIME_2048
    assert load_dh_parameters(dhparam_pem(RFC3526_PRIME_2048)) == (RFC3526_PRIME_2048, 2)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_dhparam_made_by_openssl_and_its_printed_prime(tmp_path: Path) -> None:
    path = tmp_path / "dhparam.pem"
    subprocess.run(
        ["openssl", "dhparam", "-out", str(path), "1024"], capture_output=True, check=True
    )
    printed = subprocess.run(
        ["openssl", "dhparam", "-in", str(path), "-text", "-noout"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # "P:" (OpenSSL 3) or "prime:" (1.1) followed by lines of colon-separated hex bytes
    block = printed.replace("prime:", "P:").split("P:", 1)[1].split("G:")[0].split("generator:")[0]
    prime, generator = load_dh_parameters(path)
    assert generator == 2 and prime.bit_length() == 1024
    assert load_dh_parameters(block.strip())[0] == prime


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not hex at all", "neither hex nor a dhparam.pem"),
        ("00ff", "2048 bits"),
        (format(RFC3526_PRIME_2048 + 2, "x"), "not a prime"),
        (format(RFC3526_PRIME_2048, "x")[:-2], "not a prime"),
        ("-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----", "DH PARAMETERS"),
    ],
)
def test_malformed_dh_prime(folder: Path, text: str, message: str) -> None:
    (folder / "dhparam.pem").unlink()
    (folder / "dh_prime.txt").write_text(text)
    with pytest.raises(errors.CredentialsError, match=message) as caught:
        OAuth1Credentials.from_directory(folder)
    assert "dh_prime.txt" in str(caught.value)


def test_garbage_dhparam_file(folder: Path) -> None:
    (folder / "dhparam.pem").write_text(
        "-----BEGIN DH PARAMETERS-----\n!!!\n-----END DH PARAMETERS-----\n"
    )
    with pytest.raises(errors.CredentialsError, match=r"dhparam\.pem"):
        OAuth1Credentials.from_directory(folder)


def test_missing_files_are_named(folder: Path) -> None:
    (folder / "access_token.txt").unlink()
    (folder / "private_encryption.pem").unlink()
    with pytest.raises(errors.CredentialsError) as caught:
        OAuth1Credentials.from_directory(folder)
    message = str(caught.value)
    assert "IBKR_OAUTH1_ACCESS_TOKEN (or access_token.txt)" in message
    assert "IBKR_OAUTH1_ENCRYPTION_KEY (or private_encryption.pem)" in message


def test_missing_folder_and_missing_variables(tmp_path: Path) -> None:
    with pytest.raises(errors.CredentialsError, match="does not exist"):
        OAuth1Credentials.from_directory(tmp_path / "nope")
    with pytest.raises(errors.CredentialsError, match="IBKR_OAUTH1_CONSUMER_KEY"):
        OAuth1Credentials.from_env({})
    with pytest.raises(errors.CredentialsError, match="IBKR_OAUTH2_CLIENT_ID"):
        OAuth2Credentials.from_env({})
    env = {"IBKR_OAUTH1_SIGNATURE_KEY": str(tmp_path / "missing.pem")}
    with pytest.raises(errors.CredentialsError):
        OAuth1Credentials.from_env(env)


def test_key_file_that_does_not_exist(folder: Path) -> None:
    env = {"IBKR_OAUTH1_SIGNATURE_KEY": str(folder / "nope.pem")}
    with pytest.raises(
        errors.CredentialsError,
        match=r"IBKR_OAUTH1_SIGNATURE_KEY \(file .*nope\.pem\) does not exist",
    ):
        OAuth1Credentials.from_directory(folder, environ=env)


def test_garbage_pem(folder: Path) -> None:
    (folder / "private_signature.pem").write_text("hello, this is not a key\n")
    with pytest.raises(errors.CredentialsError, match="not a PEM file") as caught:
        OAuth1Credentials.from_directory(folder)
    assert "private_signature.pem" in str(caught.value)


def test_damaged_pem(folder: Path) -> None:
    pem = (folder / "private_signature.pem").read_text()
    lines = pem.splitlines()
    (folder / "private_signature.pem").write_text("\n".join(lines[:5] + lines[-1:]) + "\n")
    with pytest.raises(errors.CredentialsError, match="not a readable PEM private key"):
        OAuth1Credentials.from_directory(folder)


def test_public_key_instead_of_private(folder: Path) -> None:
    shutil.copy(folder / "public_signature.pem", folder / "private_signature.pem")
    with pytest.raises(errors.CredentialsError, match="holds a public key"):
        OAuth1Credentials.from_directory(folder)


def test_encrypted_pem(folder: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    )
    (folder / "private_encryption.pem").write_bytes(data)
    with pytest.raises(errors.CredentialsError, match="passphrase"):
        OAuth1Credentials.from_directory(folder)


def test_not_an_rsa_key(folder: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (folder / "private_signature.pem").write_bytes(data)
    with pytest.raises(errors.CredentialsError, match="IBKR needs an RSA key"):
        OAuth1Credentials.from_directory(folder)


def test_pkcs8_keys_load_too(folder: Path) -> None:
    key = serialization.load_pem_private_key((folder / "private_signature.pem").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    (folder / "private_signature.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    assert OAuth1Credentials.from_directory(folder).signature_key.key_size == 2048


def test_secret_that_lost_its_padding(folder: Path) -> None:
    secret = (folder / "access_token_secret.txt").read_text().strip()
    (folder / "access_token_secret.txt").write_text(secret.rstrip("=")[:-1] + "\n")
    with pytest.raises(errors.CredentialsError, match="not valid base64") as caught:
        OAuth1Credentials.from_directory(folder)
    assert secret[:20] not in str(caught.value)


def test_secret_of_the_wrong_size(folder: Path) -> None:
    short = base64.b64encode(b"\x01" * 128).decode()
    (folder / "access_token_secret.txt").write_text(short)
    with pytest.raises(errors.CredentialsError, match="decodes to 128 bytes"):
        OAuth1Credentials.from_directory(folder)


def test_secret_that_does_not_decrypt(folder: Path, oauth1_set: OAuth1Set) -> None:
    # 256 bytes that are not a PKCS#1 v1.5 block for this key: the decryption itself fails, or
    # (RSA implicit rejection) gives other bytes, which IBKR's signature check refuses at login
    # (see test_wrong_encryption_key_of_the_same_size).
    (folder / "access_token_secret.txt").write_text(base64.b64encode(b"\xff" * 256).decode())
    try:
        credentials = OAuth1Credentials.from_directory(folder)
    except errors.CredentialsError as exc:
        assert "does not decrypt" in str(exc)
    else:
        assert credentials.secret != oauth1_set.consumer.secret


def test_blank_and_spaced_values(folder: Path) -> None:
    (folder / "consumer_key.txt").write_text("\n")
    with pytest.raises(errors.CredentialsError, match=r"consumer_key\.txt is empty"):
        OAuth1Credentials.from_directory(folder)
    (folder / "consumer_key.txt").write_text("ABC DEF\n")
    with pytest.raises(errors.CredentialsError, match="spaces"):
        OAuth1Credentials.from_directory(folder)


def test_errors_and_reprs_never_show_secrets(oauth1_set: OAuth1Set, folder: Path) -> None:
    credentials = OAuth1Credentials.from_directory(oauth1_set.directory)
    text = repr(credentials)
    assert credentials.access_token not in text and credentials.prepend not in text
    assert "2048-bit prime" in text
    pem = (folder / "private_signature.pem").read_text()
    (folder / "private_signature.pem").write_text(pem.replace("A", "#", 3))
    with pytest.raises(errors.CredentialsError) as caught:
        OAuth1Credentials.from_directory(folder)
    assert pem.splitlines()[1] not in str(caught.value)


def test_testcons_gets_the_test_realm(folder: Path) -> None:
    (folder / "consumer_key.txt").write_text("TESTCONS\n")
    (folder / "realm.txt").unlink()
    assert OAuth1Credentials.from_directory(folder).realm == "test_realm"


def test_oauth2_credentials(oauth2_set: OAuth2Set, tmp_path: Path) -> None:
    credentials = OAuth2Credentials.from_directory(oauth2_set.directory)
    assert credentials.client_id == "sim-client" and credentials.key_id == "main"
    assert credentials.ip == "127.0.0.1" and credentials.credential == "simuser"
    assert load_oauth2_client(oauth2_set.directory) == oauth2_set.client
    copy = tmp_path / "c2"
    shutil.copytree(oauth2_set.directory, copy)
    (copy / "key_id.txt").unlink()
    assert OAuth2Credentials.from_directory(copy).key_id == "main"
    (copy / "private_key.pem").write_text("nope")
    with pytest.raises(errors.CredentialsError, match=r"private_key\.pem is not a PEM file"):
        OAuth2Credentials.from_directory(copy)
    (copy / "private_key.pem").unlink()
    with pytest.raises(errors.CredentialsError, match="IBKR_OAUTH2_PRIVATE_KEY"):
        OAuth2Credentials.from_directory(copy)


def test_constructors_pass_credential_errors_through(folder: Path, oauth1_set: OAuth1Set) -> None:
    credentials = OAuth1Credentials.from_directory(oauth1_set.directory)
    with pytest.raises(errors.ConfigurationError, match="make their own auth"):
        IBKRClient.oauth1(credentials, base_url="https://127.0.0.1:1/v1/api", auth=object())
    (folder / "private_signature.pem").write_text("nope")
    with pytest.raises(errors.CredentialsError):
        IBKRClient.oauth1(folder, base_url="https://127.0.0.1:1/v1/api")
