"""HTTP content negotiation over the engine's formats: Accept q-values, wildcards, charset
parameters, Accept-Charset and the `format=` parameter."""

from __future__ import annotations

from dataclasses import dataclass

from server.engine.formats import HTML, RDF_DOC_FORMATS, Format
from server.failures import Failure

MAX_RANGES = 64  # Accept ranges considered; a browser sends ~10. The rest are ignored, so a
# huge header costs a bounded amount of work (a 9.4 MB one held the event loop 6 s).


class NotAcceptable(Failure):
    """No offered format satisfies Accept."""

    status = 406
    error = "not-acceptable"

    def __init__(self, offered: tuple[Format, ...], message: str = "") -> None:
        super().__init__(message or "none of the acceptable media types can be produced; "
                         "available: " + ", ".join(f.media_type for f in offered))
        self.offered = offered


class UnknownFormat(Failure):
    """A `format=` value naming no format on offer."""

    status = 400
    error = "bad-format"


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    params: dict[str, str]
    q: float

    def specificity(self, media_type: str) -> int:
        """How precisely this range names `media_type`: -1 no match, 0 */*, 1 type/*, 2 exact."""
        t, _, s = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 0
        if self.type != t:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == s else -1

    def charset_ok(self) -> bool:
        charset = self.params.get("charset")
        return charset is None or charset.lower() in ("utf-8", "utf8")


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header (its first `MAX_RANGES` ranges); missing or empty means */*."""
    if not header or not header.strip():
        return [MediaRange("*", "*", {}, 1.0)]
    ranges: list[MediaRange] = []
    for part in header.split(",", MAX_RANGES)[:MAX_RANGES]:
        items = [p.strip() for p in part.split(";")]
        mt = items[0].lower()
        if not mt:
            continue
        if "/" not in mt:
            mt = "*/*" if mt == "*" else mt + "/*"
        t, _, s = mt.partition("/")
        params: dict[str, str] = {}
        q = 1.0
        for p in items[1:]:
            k, _, v = p.partition("=")
            k, v = k.strip().lower(), v.strip().strip('"')
            if k == "q":
                try:
                    q = min(1.0, max(0.0, float(v)))
                except ValueError:
                    q = 0.0
            elif k:
                params[k] = v
        ranges.append(MediaRange(t, s, params, q))
    return ranges


def charset_acceptable(accept_charset: str | None) -> bool:
    """Whether Accept-Charset (if any) allows UTF-8, the only charset the server writes."""
    if not accept_charset or not accept_charset.strip():
        return True
    best: float | None = None
    star: float | None = None
    for part in accept_charset.split(",", MAX_RANGES)[:MAX_RANGES]:
        items = [p.strip() for p in part.split(";")]
        name = items[0].lower()
        q = 1.0
        for p in items[1:]:
            k, _, v = p.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if name in ("utf-8", "utf8"):
            best = q
        elif name == "*":
            star = q
    chosen = best if best is not None else star
    return chosen is not None and chosen > 0


def quality(fmt: Format, ranges: list[MediaRange]) -> float:
    """The q-value Accept gives `fmt`: the most specific matching range decides."""
    best_spec, best_q = -1, 0.0
    for mt in fmt.media_types:
        for r in ranges:
            spec = r.specificity(mt)
            if spec < 0 or not r.charset_ok():
                continue
            if spec > best_spec or (spec == best_spec and r.q > best_q):
                best_spec, best_q = spec, r.q
    return best_q if best_spec >= 0 else 0.0


def negotiate(
    offered: tuple[Format, ...],
    accept: str | None,
    format_param: str | None = None,
    accept_charset: str | None = None,
) -> Format:
    """Pick the format: `format=` overrides Accept; otherwise highest q, ties by server order."""
    if format_param:
        return by_param(format_param, offered)
    if not charset_acceptable(accept_charset):
        raise NotAcceptable(offered)
    ranges = parse_accept(accept)
    best: Format | None = None
    best_q = 0.0
    for fmt in offered:
        q = quality(fmt, ranges)
        if q > best_q:
            best, best_q = fmt, q
    if best is None:
        raise NotAcceptable(offered)
    return best


def by_param(value: str, offered: tuple[Format, ...]) -> Format:
    """Resolve a `format=` value (short name or media type) among the offered formats."""
    v = value.strip().lower().split(";")[0].strip()
    for fmt in offered:
        if v == fmt.name or v in fmt.short or v in fmt.media_types:
            return fmt
    raise UnknownFormat(
        f"format {value!r} is not available here; use one of: "
        + ", ".join(f"{f.name} ({f.media_type})" for f in offered)
    )


def prefers_html(accept: str | None) -> bool:
    """Whether a client (a browser) ranks HTML above every RDF document format."""
    ranges = parse_accept(accept)
    html_q = quality(HTML, ranges)
    if html_q <= 0:
        return False
    html_spec = max(r.specificity(m) for r in ranges for m in HTML.media_types)
    if html_spec < 2:  # */* alone does not mean "a browser"
        return False
    return all(quality(f, ranges) < html_q for f in RDF_DOC_FORMATS)
