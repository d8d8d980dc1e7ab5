"""Routers for what is not a plain resource (those are declared in ``api.resources``); add one to
``api.main.ROUTERS``."""
