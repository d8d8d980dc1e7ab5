"""One router per resource. Add a router here and to ``ROUTERS``."""
