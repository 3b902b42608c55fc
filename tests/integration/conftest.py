"""The integration tests use the same small unit as the API flows."""

from tests.api.conftest import unit  # noqa: F401 - a fixture, shared on purpose
