"""Sub-command modules; each exposes ``register(app)``."""
