"""Which methods each path answers: every route is registered once per method (its own OpenAPI operation),
so a 405's ``Allow`` header is computed here rather than by Starlette (which names one route's methods)."""

from __future__ import annotations

ROUTE_METHODS: dict[str, set[str]] = {}


def record(path: str, methods: list[str]) -> None:
    ROUTE_METHODS.setdefault(path, set()).update(methods)


def allowed_methods(path: str) -> list[str]:
    """The methods some registered route answers at ``path``."""
    from starlette.routing import compile_path

    methods: set[str] = set()
    for template, answered in ROUTE_METHODS.items():
        if compile_path(template)[0].match(path):
            methods |= answered
    return sorted(methods)
