"""Kept for imports written before the split: the query service now lives in ``refmetiers.query``."""

from .query import *  # noqa: F401,F403
from .query import __all__  # noqa: F401
