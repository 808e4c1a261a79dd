"""One OpenAPI operation per saved query, generated from the catalogue at startup (with the
`page` and `page_size` parameters of a paged query, kg.catalogue.Paging)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from kg.catalogue import PAGE, PAGE_SIZE, Param, SavedQuery

RESULT_TYPES = ("application/sparql-results+json", "text/csv", "text/tab-separated-values")
GRAPH_TYPES = ("text/turtle", "application/ld+json", "application/n-triples")
ERROR = {
    "type": "object",
    "required": ["error", "message", "status"],
    "properties": {
        "error": {"type": "string", "example": "bad-parameter"},
        "message": {"type": "string"},
        "status": {"type": "integer"},
        "parameter": {"type": "string", "description": "the parameter at fault"},
    },
}


def param_schema(param: Param) -> dict[str, Any]:
    """The JSON Schema of one parameter's value."""
    schema: dict[str, Any] = {
        "iri": {"type": "string", "format": "uri"},
        "wikidata-id": {"type": "string", "pattern": "^Q[1-9][0-9]*$"},
        "date": {"type": "string", "format": "date"},
        "integer": {"type": "integer"},
        "string": {"type": "string"},
        "lang-string": {"type": "string",
                        "pattern": "^.*@[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$"},
    }[param.type]
    convert = int if param.type == "integer" else str
    if param.allowed:
        schema["enum"] = [convert(v) for v in param.allowed]
    if param.default is not None:
        schema["default"] = convert(param.default)
    return schema


def paging_params(saved: SavedQuery) -> list[dict[str, Any]]:
    """`page` and `page_size` of a paged query (none for the others), with their schemas."""
    paging = saved.paging
    if paging is None:
        return []
    unit = paging.unit
    return [
        {"name": PAGE, "type": "integer", "default": "1", "example": "2",
         "description": f"which page of whole {unit}s, from 1; the next page is the "
         f'`Link: <…>; rel="next"` of this one (none after the last)',
         "schema": {"type": "integer", "minimum": 1, "default": 1}},
        {"name": PAGE_SIZE, "type": "integer", "default": str(paging.size), "example": "all",
         "description": f"{unit}s per page, 1 to {paging.max_size}; `all` for the whole answer "
         "in one response",
         "schema": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": paging.max_size},
                              {"type": "string", "enum": ["all"]}],
                    "default": paging.size}},
    ]


def operation(saved: SavedQuery) -> dict[str, Any]:
    """The GET operation of `/queries/{name}` for one saved query."""
    params = []
    for p in saved.params:
        spec: dict[str, Any] = {
            "name": p.name, "in": "query", "required": False,
            "description": f"{p.description} ({p.type})".strip(),
            "schema": param_schema(p),
        }
        example = p.example or saved.example.get(p.name)
        if example is not None:
            spec["example"] = int(example) if p.type == "integer" else example
        params.append(spec)
    for paging in paging_params(saved):
        example = paging["example"]
        params.append({"name": paging["name"], "in": "query", "required": False,
                       "description": paging["description"], "schema": paging["schema"],
                       "example": int(example) if example.isdigit() else example})
    types = RESULT_TYPES if saved.kind in ("SELECT", "ASK") else GRAPH_TYPES
    content: dict[str, Any] = {t: {"schema": {"type": "string"}} for t in types}
    content[types[0]] = {"schema": {"type": "object"}}
    content["text/html"] = {"schema": {"type": "string"}}
    return {
        "operationId": saved.name,
        "summary": saved.title["en"],
        "description": f"{saved.description}\n\n*{saved.title['fr']}*. Twins: "
        + ", ".join(f"`/queries/{saved.name}.{ext}`" for ext in twin_extensions(saved))
        + ". Unknown parameters are refused (422).",
        "tags": ["Saved queries"],
        "parameters": params,
        "responses": {
            "200": {"description": f"the {saved.kind} results"
                    + (" (one page; `Link` header: rel=\"next\" / \"prev\")"
                       if saved.paging else ""), "content": content},
            **({"400": {"description": "a `page` or `page_size` that is not a valid value",
                        "content": {"application/json": {"schema": ERROR}}}}
               if saved.paging else {}),
            "422": {"description": "a parameter value that does not fit its type, or an "
                    "unknown parameter",
                    "content": {"application/json": {"schema": ERROR}}},
            "503": {"description": "every worker busy (retry), or a remote endpoint the query "
                    "calls through SERVICE did not answer",
                    "content": {"application/json": {"schema": ERROR}}},
            "504": {"description": "the query passed the deadline",
                    "content": {"application/json": {"schema": ERROR}}},
        },
    }


def twin_extensions(saved: SavedQuery) -> tuple[str, ...]:
    return ("json", "csv", "tsv") if saved.kind in ("SELECT", "ASK") else ("ttl", "jsonld", "nt")


def install(app: FastAPI, catalogue: dict[str, SavedQuery]) -> None:
    """Make /openapi.json carry one typed operation per saved query."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version,
                             description=app.description, routes=app.routes)
        paths = schema.setdefault("paths", {})
        for name, saved in sorted(catalogue.items()):
            paths[f"/queries/{name}"] = {"get": operation(saved)}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
