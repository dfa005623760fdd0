"""Test helpers: plain functions and classes that tests import (fixtures live in conftest.py)."""
