"""``Annotated`` dependencies shared by the routers (``ContentStoreDep``, ``LicenceCheckerDep``...)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from client_sdk.content import ContentStore, LocalBlockStore
from client_sdk.content.keys import LicenceChecker, WrappedKeyStore

from .problems import Problem


def get_content_store(request: Request) -> ContentStore:
    """``app.state.content_store`` if one was set (e.g. a KuboStore), else the local block store in
    ``settings.content_dir``, created on first use."""
    state = request.app.state
    store = getattr(state, "content_store", None)
    if store is None:
        store = LocalBlockStore(state.settings.content_dir)
        state.content_store = store
    return store


ContentStoreDep = Annotated[ContentStore, Depends(get_content_store)]


def get_wrapped_keys(request: Request) -> WrappedKeyStore:
    state = request.app.state
    keys = getattr(state, "wrapped_keys", None)
    if keys is None:
        keys = WrappedKeyStore(state.settings.content_dir / "keys")
        state.wrapped_keys = keys
    return keys


WrappedKeysDep = Annotated[WrappedKeyStore, Depends(get_wrapped_keys)]


def get_licence_checker(request: Request) -> LicenceChecker:
    """The object that answers "does this account hold a valid licence?" (``app.state.licence_checker``).
    Until the on-chain checker is wired, key release answers 503 rather than guessing."""
    checker = getattr(request.app.state, "licence_checker", None)
    if checker is None:
        raise Problem(503, "Key release unavailable", "no licence checker is configured on this server")
    return checker


LicenceCheckerDep = Annotated[LicenceChecker, Depends(get_licence_checker)]
