"""``Annotated`` dependencies shared by the routers (``ContentStoreDep``, ``LicenceCheckerDep``...)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from client_sdk import Hub, HubError
from client_sdk.content import ContentStore, KuboStore, LocalBlockStore
from client_sdk.content.keys import LicenceChecker, WrappedKeyStore
from client_sdk.licence_check import OnChainLicenceChecker

from .problems import Problem


def get_content_store(request: Request) -> ContentStore:
    """``app.state.content_store`` if one was set (e.g. a KuboStore), else the local block store in
    ``settings.content_dir``, created on first use."""
    state = request.app.state
    store = getattr(state, "content_store", None)
    if store is None:
        kubo_url = state.settings.kubo_api_url
        store = KuboStore(kubo_url) if kubo_url else LocalBlockStore(state.settings.content_dir)
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


def get_hub(request: Request) -> Hub:
    """A read-only :class:`Hub` on ``settings.rpc_url`` and its manifest, connected on first use.

    The chain down or no deployment on it: 503 problem, and the next request tries again.
    """
    state = request.app.state
    hub = getattr(state, "hub", None)
    if hub is None:
        settings = state.settings
        try:
            hub = Hub.connect(settings.rpc_url, deployments_dir=settings.deployments_dir)
        except HubError as exc:
            raise Problem(503, "Chain unavailable", str(exc)) from None
        state.hub = hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


def get_licence_checker(request: Request) -> LicenceChecker:
    """The object that answers "does this account hold a valid licence?": ``app.state.licence_checker``
    if one was set, else the on-chain checker (the chain is asked, never the SQL mirror)."""
    checker = getattr(request.app.state, "licence_checker", None)
    if checker is None:
        checker = OnChainLicenceChecker(get_hub(request))
        request.app.state.licence_checker = checker
    return checker


LicenceCheckerDep = Annotated[LicenceChecker, Depends(get_licence_checker)]
