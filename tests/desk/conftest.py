"""The desk's tests use the web tests' tickets and signed-in clients (``tests/web/conftest.py``)."""

from tests.web.conftest import client_as, desk, fresh_cache

__all__ = ["client_as", "desk", "fresh_cache"]
