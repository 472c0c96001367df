"""The routes of each surface: Starlette routes to answer, and what the OpenAPI document says of each.

Requests are routed by Starlette alone. FastAPI writes the OpenAPI document (``/openapi.json``, ``/docs``), from the
same endpoints and options, only when it is first asked for: importing FastAPI (and the pydantic models of its
OpenAPI schema) takes longer than the rest of the app's start-up, and no query needs it.

Every route is registered once per method (its own OpenAPI operation), so a 405's ``Allow`` header is computed
here rather than by Starlette (which names one route's methods).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.routing import Route, compile_path

ROUTE_METHODS: dict[str, set[str]] = {}


def record(path: str, methods: list[str]) -> None:
    ROUTE_METHODS.setdefault(path, set()).update(methods)


def allowed_methods(path: str) -> list[str]:
    """The methods some registered route answers at ``path``."""
    methods: set[str] = set()
    for template, answered in ROUTE_METHODS.items():
        if compile_path(template)[0].match(path):
            methods |= answered
    return sorted(methods)


@dataclass(frozen=True)
class Operation:
    """One method of one path, as FastAPI's ``add_api_route`` takes it (``options``: summary, description,
    operation_id, openapi_extra, response_class, include_in_schema, tags)."""

    path: str
    method: str
    endpoint: Callable
    options: dict[str, Any]


@dataclass
class Api:
    """The routes of one surface (pages, SPARQL, dumps…) under its OpenAPI tags."""

    tags: list[str]
    routes: list[Route] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)

    def add(self, path: str, endpoint: Callable, methods: list[str], **options) -> None:
        """Answer ``methods`` at ``path`` with ``endpoint`` (a function of the request and of the path parameters
        it names, as FastAPI calls it), each method its own operation; HEAD stays out of the OpenAPI document."""
        record(path, methods)
        name = options.pop("name", None) or path.strip("/").replace("/", "_").replace(".", "").replace(
            "{", "").replace("}", "").replace(":", "_") or "home"
        answer = with_path_params(endpoint)
        for method in methods:
            operation_id = f"{name}_{method.lower()}"
            self.routes.append(Route(path, answer, methods=[method], name=operation_id))
            extra = {"tags": self.tags, **options, "operation_id": operation_id}
            if method == "HEAD":
                extra["include_in_schema"] = False
            self.operations.append(Operation(path, method, endpoint, extra))


def with_path_params(endpoint: Callable) -> Callable:
    """``endpoint`` as Starlette calls it (with the request alone), called as FastAPI did: with the request if its
    signature names it, and the path parameters it names. An endpoint of the request alone is returned as it is; a
    coroutine function stays one (Starlette runs the others in its thread pool)."""
    names = list(inspect.signature(endpoint).parameters)
    if names == ["request"]:
        return endpoint

    def arguments(request: Request) -> dict:
        return {name: request if name == "request" else request.path_params[name] for name in names}

    if inspect.iscoroutinefunction(endpoint):
        async def answer_async(request: Request):
            return await endpoint(**arguments(request))
        return answer_async

    def answer(request: Request):
        return endpoint(**arguments(request))
    return answer


def openapi_document(operations: list[Operation], **info) -> dict:
    """The OpenAPI document of ``operations``, written by FastAPI (``info``: title, version, description)."""
    from fastapi import FastAPI

    documenting = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, **info)
    for operation in operations:
        documenting.add_api_route(operation.path, operation.endpoint, methods=[operation.method],
                                  **operation.options)
    return documenting.openapi()
