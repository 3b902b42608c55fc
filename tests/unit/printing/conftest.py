"""Fixtures for the printing tests: the shipped layouts and the unit's zone."""

from __future__ import annotations

import pytest

from nicu_milk.printing import load_layouts

from .samples import LABELS_DIR, ZONE


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: reads back whole sheets for many generated inputs")


@pytest.fixture(scope="session")
def layouts():
    return load_layouts(LABELS_DIR)


@pytest.fixture(scope="session")
def zone():
    return ZONE
