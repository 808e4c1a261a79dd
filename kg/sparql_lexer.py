"""One reading of SPARQL text: the terminals of the SPARQL 1.1 grammar (§19.8), and writers that
put terms back into text so that every reader reads them the same way.

`lex(text)` splits a query into tokens; concatenating their `text` gives the query back, so a
caller can rewrite a query without touching what sits inside strings, IRIs or comments. Each
token keeps its offset and, for strings, IRIs and prefixed names, its decoded `value`.

Tokens are matched longest first, as the grammar's terminals are: `<a>` is an IRI wherever it
can be one, `+1` a signed number, `ex:a` a prefixed name. Comments end at CR or LF. Keywords
are the SPARQL 1.1 ones, matched case-insensitively (except `a`); any other bare word is refused.

Code point escapes (`\\uXXXX`, `\\UXXXXXXXX`) are where two readings meet. SPARQL 1.1 (§19.2)
decodes them in the whole text before parsing; pyoxigraph (0.5, like SPARQL 1.2) decodes them
only inside strings and IRIs, once, together with the string escapes. This lexer reads them as
pyoxigraph does and refuses (SparqlLexError, `ambiguous`) every text the two readings could
read differently:

- an escape outside a string, IRI or comment, or one in a comment that decodes to CR or LF
  (it would end the comment for SPARQL 1.1);
- in a string: an escape decoding to the string's own quote, a backslash, or CR/LF in a
  one-line string; and an escaped backslash `\\\\` followed by `u`+4 or `U`+8 hex digits
  (SPARQL 1.1 would decode that escape);
- in an IRI: an escape decoding to a character IRIs cannot hold (`<>"{}|^`\\`, controls, space).

Names follow pyoxigraph too where it is narrower than the grammar: characters past U+FFFF are
not name characters (they stay allowed in strings, IRIs and comments).

The writers (`write_string`, `write_iri`, `write_literal`) produce text that this lexer,
pyoxigraph and a SPARQL 1.1 reader all read as the same term.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
         "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd")
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_PN_LOCAL = rf"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_VARNAME = rf"[{_U}0-9][{_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_EXP = r"[eE][+-]?[0-9]+"

_TOKEN = re.compile(
    rf"""
    (?P<ws>[\x20\t\r\n]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)
  | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''|\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
               |'(?:[^'\\\n\r]|\\[^\n\r])*'|"(?:[^"\\\n\r]|\\[^\n\r])*")
  | (?P<var>[?$]{_VARNAME})
  | (?P<bnode>_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)
  | (?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)
  | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<number>[+-]?(?:[0-9]+\.[0-9]*{_EXP}|\.[0-9]+{_EXP}|[0-9]+{_EXP}|[0-9]*\.[0-9]+|[0-9]+))
  | (?P<nil>\([\x20\t\r\n]*\))
  | (?P<anon>\[[\x20\t\r\n]*\])
  | (?P<word>[A-Za-z][A-Za-z0-9_]*)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{{}}()\[\];,.*=<>!+\-/^|?])
  | (?P<bad>.)
    """,
    re.X | re.S,
)
_ESCAPE = re.compile(_UCHAR)



def words(text: str) -> frozenset[str]:
    """A set of keywords written one after the other."""
    return frozenset(text.split())


KEYWORDS = words("""
    BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK DISTINCT REDUCED AS FROM NAMED WHERE GROUP BY
    HAVING ORDER ASC DESC LIMIT OFFSET VALUES UNDEF OPTIONAL GRAPH SERVICE SILENT BIND UNION
    MINUS FILTER EXISTS NOT IN TRUE FALSE
    LOAD CLEAR DROP CREATE ADD MOVE COPY INSERT DELETE DATA WITH USING INTO TO DEFAULT ALL
""")
FUNCTIONS = words("""
    STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN
    UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY
    HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE
    IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE
    COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR
""")
UPDATE_WORDS = words("LOAD CLEAR DROP CREATE ADD MOVE COPY INSERT DELETE WITH")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_NOT_IN_IRI = re.compile(r'[<>"{}|^`\\\x00-\x20]')


class Token(NamedTuple):
    """One terminal: its kind, its exact text, where it starts, and what it means.

    `value` is the decoded content of a string or IRI (escapes applied), a prefixed name with
    its local escapes removed, the upper-cased keyword of a word, else the text itself."""

    kind: str  # ws comment iri string var bnode pname langtag number nil anon word punct
    text: str
    start: int
    value: str

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def significant(self) -> bool:
        """Not white space or a comment."""
        return self.kind not in ("ws", "comment")


class SparqlLexError(ValueError):
    """Text that is not a sequence of SPARQL tokens, or that two readers could read differently
    (`ambiguous`). `offset` is where, in characters from the start."""

    def __init__(self, message: str, offset: int, text: str, ambiguous: bool = False) -> None:
        self.line, self.column = line_column(text, offset)
        super().__init__(f"line {self.line}, column {self.column}: {message}")
        self.message = message
        self.offset = offset
        self.ambiguous = ambiguous


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of `offset`; lines end at LF, as pyoxigraph
    counts them."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def lex(text: str) -> list[Token]:
    """The tokens of `text` (see the module doc); raises SparqlLexError."""
    out: list[Token] = []
    append = out.append
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "bad"
        tok = m.group()
        start = m.start()
        if kind == "ws" or kind == "punct" or kind == "var" or kind == "number":
            append(Token(kind, tok, start, tok))
        elif kind == "iri":
            append(Token(kind, tok, start, _iri_value(tok, start, text)))
        elif kind == "string":
            append(Token(kind, tok, start, _string_value(tok, start, text)))
        elif kind == "word":
            append(Token(kind, tok, start, _word(tok, start, text)))
        elif kind == "pname":
            value = tok.replace("\\", "") if "\\" in tok else tok
            append(Token(kind, tok, start, value))
        elif kind == "comment":
            if "\\" in tok:
                _check_comment(tok, start, text)
            append(Token(kind, tok, start, tok))
        elif kind == "bad":
            _bad(tok, start, text)
        else:  # bnode, langtag, nil, anon
            append(Token(kind, tok, start, tok))
    return out


def significant(tokens: list[Token]) -> list[Token]:
    """The tokens without white space and comments."""
    return [t for t in tokens if t.kind != "ws" and t.kind != "comment"]


def _word(word: str, start: int, text: str) -> str:
    if word == "a":
        return word
    up = word.upper()
    if up in KEYWORDS or up in FUNCTIONS:
        return up
    raise SparqlLexError(f"unknown keyword {word[:40]!r} (SPARQL 1.1 keywords and functions only; "
                         "a function of your own is an IRI or a prefixed name)", start, text)


def _bad(char: str, start: int, text: str) -> None:
    if char == "\\" and _ESCAPE.match(text, start):
        raise SparqlLexError(
            "a code point escape outside a string or IRI: SPARQL 1.1 decodes it before "
            "parsing and pyoxigraph does not, so the two read this query differently; write "
            "the character itself", start, text, ambiguous=True)
    if char == "\\":
        raise SparqlLexError("a backslash outside a string, IRI or prefixed name", start, text)
    if char in "\"'":
        raise SparqlLexError("a string that is not closed on its line", start, text)
    if char == "<":  # never reached: '<' is an operator when it does not open an IRI
        raise SparqlLexError("unexpected '<'", start, text)
    if ord(char) > 0xFFFF:
        raise SparqlLexError(f"character U+{ord(char):X} is not allowed in names (pyoxigraph "
                             "reads names without characters past U+FFFF)", start, text)
    raise SparqlLexError(f"unexpected character {char!r}", start, text)


def _check_comment(comment: str, start: int, text: str) -> None:
    for m in _ESCAPE.finditer(comment):
        if _code_point(m.group(), start + m.start(), text) in "\r\n":
            raise SparqlLexError(
                "an escaped line break in a comment: SPARQL 1.1 ends the comment there and "
                "pyoxigraph does not, so the two read this query differently",
                start + m.start(), text, ambiguous=True)


def _code_point(escape: str, offset: int, text: str) -> str:
    cp = int(escape[2:], 16)
    if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
        raise SparqlLexError(f"{escape} is not a Unicode scalar value", offset, text)
    return chr(cp)


def _iri_value(tok: str, start: int, text: str) -> str:
    body = tok[1:-1]
    if "\\" not in body:
        return body
    out = []
    pos = 0
    for m in _ESCAPE.finditer(body):
        char = _code_point(m.group(), start + 1 + m.start(), text)
        if _NOT_IN_IRI.match(char):
            raise SparqlLexError(
                f"{m.group()} in an IRI decodes to {char!r}, which IRIs cannot hold; SPARQL 1.1 "
                "and pyoxigraph would read this IRI differently", start + 1 + m.start(), text,
                ambiguous=True)
        out.append(body[pos:m.start()])
        out.append(char)
        pos = m.end()
    out.append(body[pos:])
    return "".join(out)


def _string_value(tok: str, start: int, text: str) -> str:
    quote = tok[0]
    long = tok.startswith(quote * 3) and len(tok) >= 6
    width = 3 if long else 1
    body = tok[width:-width]
    if "\\" not in body:
        return body
    base = start + width
    out = []
    pos = 0
    while True:
        i = body.find("\\", pos)
        if i < 0:
            out.append(body[pos:])
            return "".join(out)
        out.append(body[pos:i])
        c = body[i + 1]
        if c in _ECHAR:
            if c == "\\" and _ESCAPE.match(body, i + 1):
                raise SparqlLexError(
                    "an escaped backslash followed by u or U and hex digits: SPARQL 1.1 decodes "
                    "the code point escape, pyoxigraph keeps the text, so the two read this "
                    "string differently (write the u as \\u0075)", base + i, text,
                    ambiguous=True)
            out.append(_ECHAR[c])
            pos = i + 2
        elif c in "uU":
            m = _ESCAPE.match(body, i)
            if m is None:
                raise SparqlLexError(f"\\{c} must be followed by {4 if c == 'u' else 8} hex "
                                     "digits", base + i, text)
            char = _code_point(m.group(), base + i, text)
            if char == quote or char == "\\" or (not long and char in "\r\n"):
                raise SparqlLexError(
                    f"{m.group()} in a string decodes to {char!r}: SPARQL 1.1 decodes it before "
                    "reading the string and pyoxigraph after, so the two read this string "
                    "differently; use the string escape instead (\\\\, \\\", \\', \\n, \\r)",
                    base + i, text, ambiguous=True)
            out.append(char)
            pos = m.end()
        else:
            raise SparqlLexError(f"\\{c} is not a string escape (\\t \\b \\n \\r \\f \\\" "
                                 "\\' \\\\ \\u \\U)", base + i, text)


# --- writing terms back -------------------------------------------------------------------------

_STRING_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def write_string(value: str) -> str:
    """A one-line double-quoted string whose value is `value` for every reader: backslash,
    quote, CR and LF escaped; a `u` or `U` right after a backslash written as a code point
    escape, so that no reader sees `\\\\u` followed by hex digits."""
    body = value.translate(_STRING_ESCAPES)
    if "\\\\u" in body or "\\\\U" in body:
        body = body.replace("\\\\u", "\\\\\\u0075").replace("\\\\U", "\\\\\\u0055")
    return f'"{body}"'


def write_iri(iri: str) -> str:
    """`<iri>`; raises ValueError for a character IRIs cannot hold (never escaped)."""
    bad = _NOT_IN_IRI.search(iri)
    if bad:
        raise ValueError(f"IRI {iri!r} holds {bad.group()!r}, which cannot be written in SPARQL")
    return f"<{iri}>"


_LANG = re.compile(r"[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def write_literal(value: str, language: str | None = None, datatype: str | None = None) -> str:
    """A literal: the string, then `@language` or `^^<datatype>` (none for xsd:string)."""
    if language:
        if not _LANG.fullmatch(language):
            raise ValueError(f"bad language tag {language!r}")
        return f"{write_string(value)}@{language}"
    if datatype and datatype != XSD_STRING:
        return f"{write_string(value)}^^{write_iri(datatype)}"
    return write_string(value)
