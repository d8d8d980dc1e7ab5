"""Loading the signing key: a keystore file, an environment variable, or a mnemonic. Keys stay local."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from .errors import ConfigurationError

KEYSTORE_PASSWORD_ENV = "COPYRIGHT_HUB_KEYSTORE_PASSWORD"


def from_key_env(var: str) -> LocalAccount:
    """The account whose hex private key is in environment variable ``var``."""
    value = os.environ.get(var)
    if not value:
        raise ConfigurationError(f"environment variable {var} is not set; export the deployer's hex private key in it")
    try:
        return Account.from_key(value.strip())
    except (ValueError, TypeError):
        raise ConfigurationError(f"environment variable {var} does not hold a valid hex private key") from None


def from_keystore(path: Path, password: str | None = None) -> LocalAccount:
    """Decrypt a V3 keystore; the password comes from the argument, ``$COPYRIGHT_HUB_KEYSTORE_PASSWORD`` or a prompt."""
    try:
        encrypted = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(f"keystore {path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"keystore {path} is not a readable JSON keystore: {exc}") from None
    if password is None:
        password = os.environ.get(KEYSTORE_PASSWORD_ENV)
    if password is None:
        password = getpass.getpass(f"password for {path}: ")
    try:
        key = Account.decrypt(encrypted, password)
    except ValueError:
        raise ConfigurationError(f"wrong password for keystore {path}") from None
    return Account.from_key(key)


def from_mnemonic(mnemonic: str, index: int = 0) -> LocalAccount:
    """Account ``index`` on the standard path ``m/44'/60'/0'/0/index`` (how anvil derives dev accounts)."""
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}")
