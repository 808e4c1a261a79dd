"""Resolving an IRI reference against a base IRI (RFC 3986 §5.2, the basic algorithm SPARQL
names), as pyoxigraph resolves the IRIs of a query: a reference with a scheme is kept as it is
written (no normalisation), any other is resolved against the base."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_PARTS = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.S)


class AmbiguousReference(ValueError):
    """A reference RFC 3986 and pyoxigraph resolve differently: dot segments against a base
    without an authority (`urn:a:b` and `../g` give `urn:/g` by the RFC, `urn:g` by oxiri)."""


def is_absolute(ref: str) -> bool:
    """Whether the reference has a scheme."""
    return _SCHEME.match(ref) is not None


def resolve(base: str, ref: str) -> str:
    """`ref` resolved against the absolute IRI `base`."""
    if is_absolute(ref):
        return ref
    b = _PARTS.fullmatch(base)
    r = _PARTS.fullmatch(ref)
    assert b is not None and r is not None  # the pattern matches every string
    b_scheme, b_auth, b_path, b_query, _ = b.groups()
    _, r_auth, r_path, r_query, r_frag = r.groups()
    if b_auth is None and r_auth is None and {".", ".."} & set(r_path.split("/")):
        raise AmbiguousReference(f"<{ref}> against the base <{base}>, which has no authority: "
                                 "RFC 3986 and pyoxigraph resolve its dot segments differently")
    if r_auth is not None:
        auth, path, query = r_auth, _remove_dot_segments(r_path), r_query
    elif r_path == "":
        auth, path = b_auth, b_path
        query = r_query if r_query is not None else b_query
    else:
        if r_path.startswith("/"):
            path = _remove_dot_segments(r_path)
        else:
            path = _remove_dot_segments(_merge(b_auth, b_path, r_path))
        auth, query = b_auth, r_query
    out = f"{b_scheme}:"
    if auth is not None:
        out += f"//{auth}"
    out += path
    if query is not None:
        out += f"?{query}"
    if r_frag is not None:
        out += f"#{r_frag}"
    return out


def _merge(base_auth: str | None, base_path: str, ref_path: str) -> str:
    if base_auth is not None and base_path == "":
        return "/" + ref_path
    return base_path[: base_path.rfind("/") + 1] + ref_path


def _remove_dot_segments(path: str) -> str:
    out: list[str] = []
    while path:
        if path.startswith("../"):
            path = path[3:]
        elif path.startswith("./") or path.startswith("/./"):
            path = path[2:]
        elif path == "/.":
            path = "/"
        elif path.startswith("/../"):
            path = path[3:]
            if out:
                out.pop()
        elif path == "/..":
            path = "/"
            if out:
                out.pop()
        elif path in (".", ".."):
            path = ""
        else:
            start = 1 if path.startswith("/") else 0
            cut = path.find("/", start)
            cut = len(path) if cut < 0 else cut
            out.append(path[:cut])
            path = path[cut:]
    return "".join(out)
