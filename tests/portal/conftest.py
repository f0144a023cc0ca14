"""The web tests' desk (tickets of every persona's organization) and signed-in clients."""

from tests.web.conftest import client_as, desk, fresh_cache  # noqa: F401 (fixtures)
