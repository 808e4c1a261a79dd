"""Read one sentence with spaCy: its speech acts, sources, media, figures, victims and events.

Everything here works on one parsed line (a spaCy `Doc`) and returns token positions; the
drafter (kg.draft.extract) turns them into entities, incidents and claims for the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from text_to_num import text2num

from kg.draft.lexicon import Lexicon

Token = Any  # spacy.tokens.Token (spaCy ships no type stubs)
Doc = Any

NEGATIONS = {"pas", "jamais", "plus", "point", "aucun", "aucune", "ni", "rien"}
NE = {"ne", "n'", "n’"}
SUBJECTS = {"nsubj", "nsubj:pass"}
QUOTES = re.compile(r"\"([^\"]+)\"|«\s*([^»]+?)\s*»|“([^”]+)”")
DATE_WORDS = {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"}
PARTS_OF_DAY = {"matin", "soir", "après-midi", "nuit", "soirée", "matinée"}
MONTHS = {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"}


def lemma(t: Token) -> str:
    return str(t.lemma_).lower()


@dataclass
class Act:
    """A speech act: who says (tokens), how (stance), what (content tokens)."""

    head: Token                    # the verb, or the "selon" preposition
    stance: str                    # a stance, or "neutral" until the sentence is known
    rule: str
    speaker: tuple[int, int] | None = None  # token range, inclusive
    speaker_head: Token | None = None
    continuation: bool = False     # "Il a ajouté": the previous speaker
    participle_of: Act | None = None
    content: tuple[int, int] | None = None
    relative: bool = False         # "…, que le président a qualifiée de …"

    @property
    def position(self) -> int:
        return int(self.head.i)


@dataclass
class NumberFound:
    count: int
    start: int      # first token (the qualifier, or "une" of "une trentaine")
    number: int     # the number token
    end: int        # last token of the number phrase
    qualifier: str


@dataclass
class FigureFound:
    kind: str
    count: int
    qualifier: str
    start: int
    end: int
    rule: str
    confidence: float
    inclusion: tuple[int, int] | None = None
    subset: bool = False


@dataclass
class VictimFound:
    noun: str
    noun_en: str
    age: str
    age_words: str
    harm: str | None
    start: int
    end: int
    in_inclusion: bool = False


@dataclass
class EventFound:
    noun: str        # the lexicon word (frappe, attaque, drone …)
    noun_en: str
    type: str | None
    start: int
    end: int
    places: list[Any] = field(default_factory=list)   # spaCy entity spans
    demonyms: list[Token] = field(default_factory=list)


@dataclass
class MediumFound:
    kind: str        # online-service, statement, addressee, journalists
    key: str         # service id, statement word, outlet words
    start: int
    end: int
    outlet: tuple[int, int] | None = None   # tokens of the outlet's name
    marker: str = ""


@dataclass
class Skip:
    start: int
    end: int
    why: str


class SentenceReader:
    """The lexicon-driven reading of one parsed sentence."""

    def __init__(self, doc: Doc, lex: Lexicon, supported_kinds: set[str],
                 supported_qualifiers: set[str]) -> None:
        self.doc, self.lex = doc, lex
        self.kinds_ok, self.qualifiers_ok = supported_kinds, supported_qualifiers
        self.skips: list[Skip] = []

    # --- speech acts ---------------------------------------------------------------------
    def negated(self, t: Token) -> bool:
        """ne … pas around a verb: "n'a pas commenté", "ne répondrait pas"."""
        before = self.doc[max(0, t.i - 8):t.i]
        around = self.doc[max(0, t.i - 8):t.i + 3]
        return any(w.lower_ in NE for w in before) and any(
            w.lower_ in NEGATIONS for w in around)

    def reflexive(self, t: Token) -> bool:
        return any(c.lower_ in ("s'", "s’", "se") and c.dep_.startswith("expl")
                   for c in t.children)

    def subject(self, t: Token, climb: int = 3) -> Token | None:
        """The subject of a verb: its own, or (through xcomp, conj and "en mesure de") its
        head's; None when a clitic ("a-t-il") is the subject."""
        node = t
        for _ in range(climb + 1):
            if any(c.dep_ == "expl:subj" for c in node.children):
                return None
            kids = list(node.children)
            kids += [g for c in kids if c.dep_ == "cop" for g in c.children]  # "n'est pas en
            for c in kids:                                                      # mesure de"
                if c.dep_ in SUBJECTS:
                    return c
            if node.head is node or node.dep_ not in ("xcomp", "conj", "acl"):
                return None
            node = node.head
        return None

    def inverted(self, t: Token) -> Token | None:
        """The subject after the verb in "…, a annoncé le gouverneur" (parsed as an object)."""
        doc = self.doc
        aux = [c for c in t.children if c.dep_.startswith("aux") and c.i < t.i]
        first = min([a.i for a in aux] + [t.i])
        if first == 0 or doc[first - 1].lower_ not in (",", "\"", "»"):
            return None
        for c in t.children:
            if c.i > t.i and c.dep_ in ("obj", "nsubj", "obl:mod", "obl:arg", "appos") and \
                    c.pos_ in ("NOUN", "PROPN") and c.lower_ not in DATE_WORDS and not any(
                        g.dep_ == "case" for g in c.children) and (
                        c.pos_ == "PROPN" or lemma(c) in self.lex.actors["kinds"]):
                return c
        return None

    def acts(self) -> list[Act]:
        doc, lex = self.doc, self.lex
        found: list[Act] = []
        negated_lex, verbs = lex.negated, lex.verbs
        phrases = lex.speech.get("phrases", [])
        for t in doc:
            lem = lemma(t)
            if t.pos_ not in ("VERB", "AUX", "NOUN"):
                continue
            if lem in negated_lex and t.pos_ == "VERB" and self.negated(t):
                found.append(Act(t, negated_lex[lem], "negated-verb"))
                continue
            if t.dep_ == "acl":
                continue  # "les informations faisant état d'une attaque": not a speech act
            phrase = next((p for p in phrases if p["verb"] == lem and any(
                lemma(w) == p["with"] for w in doc[t.i + 1:t.i + 5])), None)
            if phrase and t.pos_ == "VERB":
                found.append(Act(t, phrase["stance"], "speech-phrase"))
                continue
            if lem in verbs and t.pos_ == "VERB" and not self.reflexive(t):
                found.append(Act(t, verbs[lem], "speech-verb"))
        found += self.source_acts()
        found.sort(key=lambda a: a.position)
        return self.resolve_acts(found)

    def source_acts(self) -> list[Act]:
        doc, out = self.doc, []
        not_sources = set(self.lex.speech.get("not_sources", []))
        for t in doc:
            is_selon = t.lower_ == "selon"
            is_dapres = t.lower_ in ("d'", "d’") and t.i + 1 < len(doc) and \
                doc[t.i + 1].lower_ == "après"
            if not (is_selon or is_dapres):
                continue
            head = t.head
            if head is t or head.pos_ == "PRON":
                continue  # "ce qui, selon elle, prouvait": inside a speech act already
            if lemma(head) in not_sources:
                owner = next((c for c in head.children if c.dep_ == "nmod"), None)
                if owner is None:
                    continue  # "selon des propos cités par Interfax": a medium, not a source
                head = owner
            act = Act(t, "neutral", "source-selon" if is_selon else "source-d-apres")
            act.speaker_head = head
            act.speaker = self.noun_phrase(head)
            out.append(act)
        return out

    def noun_phrase(self, head: Token) -> tuple[int, int]:
        """The tokens of a noun phrase: its subtree, cut before a comma that does not
        introduce a name ("le gouverneur de la région, Pavlo Kyrylenko") and before
        "cité par", a relative clause or a closing quote."""
        doc = self.doc
        left, right = head.left_edge.i, head.right_edge.i
        while left < head.i and (doc[left].is_punct or doc[left].pos_ == "ADP" or
                                 doc[left].lower_ in ("selon", "d'", "d’", "après")):
            left += 1
        end = head.i
        i = head.i + 1
        while i <= right:
            w = doc[i]
            if w.lower_ in (",", "qui", "que", "\"", "»") or w.lower_.startswith("cit"):
                if w.lower_ == "," and i + 1 <= right and doc[i + 1].pos_ == "PROPN":
                    j = i + 1
                    while j + 1 <= right and doc[j + 1].pos_ == "PROPN":
                        j += 1
                    end = j
                    i = j + 1
                    continue
                break
            end = i
            i += 1
        while end > head.i and doc[end].is_punct:
            end -= 1
        return left, end

    def resolve_acts(self, acts: list[Act]) -> list[Act]:
        """Speakers, participles, continuations, content; negations merged into the act that
        reports them ("a déclaré qu'elle ne répondrait pas")."""
        doc = self.doc
        by_token = {a.head.i: a for a in acts}
        kept: list[Act] = []
        for act in acts:
            if act.rule.startswith("source"):
                act.content = self.source_content(act)
                kept.append(act)
                continue
            t = act.head
            if act.rule == "negated-verb":
                owner = next((by_token[a.i] for a in t.ancestors
                              if a.i in by_token and by_token[a.i] is not act
                              and not by_token[a.i].rule.startswith("source")), None)
                if owner is not None:
                    owner.stance = act.stance
                    continue
            subj = None if any(c.dep_ == "expl:subj" for c in t.children) else self.inverted(t)
            if subj is None:
                subj = self.subject(t)
            if subj is None:
                expl = next((c for c in t.children if c.dep_ == "expl:subj" and
                             c.lower_.lstrip("-") in self.pronouns()), None)
                if expl is not None:
                    act.continuation = True
                elif t.dep_ == "advcl" and "Part" in t.morph.get("VerbForm"):
                    act.participle_of = by_token.get(t.head.i) or (kept[-1] if kept else None)
                    if act.participle_of is None:
                        continue
                    act.rule = "speech-participle"
                else:
                    continue  # "a déclaré avoir ouvert une enquête": ouvrir is no act
            elif lemma(subj) in self.not_speakers():
                continue  # "les premières informations suggérant que …"
            elif subj.pos_ == "PRON":
                if subj.lower_ not in self.pronouns():
                    continue
                act.continuation = True
            else:
                act.speaker_head = subj
                act.speaker = self.speaker_span(t, subj)
            if act.continuation:
                act.rule = "continuation"
            mark = next((c for c in t.children if c.dep_ == "mark"), None)
            act.relative = t.dep_ == "acl:relcl" or (
                t.dep_ == "ccomp" and mark is not None and mark.lower_ == "que" and
                mark.i > 0 and doc[mark.i - 1].lower_ == ",")
            act.content = self.verb_content(act)
            if act.speaker is not None and act.content is not None and \
                    act.content[0] <= act.speaker[0] <= act.content[1]:
                act.content = None
            kept.append(act)
        _ = doc
        return kept

    def not_speakers(self) -> set[str]:
        return set(self.lex.speech.get("not_sources", []))

    def pronouns(self) -> set[str]:
        return set(self.lex.speech.get("continuation_pronouns", []))

    def speaker_span(self, verb: Token, subj: Token) -> tuple[int, int]:
        left, right = self.noun_phrase(subj)
        doc = self.doc
        for c in verb.children:  # a name the parser hung on the verb: ", Mykola Dovjenko,"
            if c.pos_ == "PROPN" and 0 < c.i - right <= 2 and doc[right + 1].lower_ == "," \
                    and not any(g.dep_ == "case" for g in c.children):
                right = c.right_edge.i
                while right > c.i and doc[right].is_punct:
                    right -= 1
        return left, right

    def verb_content(self, act: Act) -> tuple[int, int] | None:
        doc, t = self.doc, act.head
        parts = [c for c in t.children if c.dep_ in ("ccomp", "xcomp")]
        if lemma(t) in ("accuser", "qualifier"):
            parts += [c for c in t.children if c.dep_ in ("obj", "obl:arg", "obl:mod")
                      and c.i > t.i and c.lower_ != "sur"]
        if parts:
            left = min(p.left_edge.i for p in parts)
            right = max(p.right_edge.i for p in parts)
            return self.trim(left, right)
        que = next((w for w in doc[t.i + 1:t.i + 7] if w.lower_ in ("que", "qu'", "qu’")), None)
        # the parser lost the clause: "a déclaré sur Telegram que …"
        if que is not None and not any(w.pos_ == "VERB" for w in doc[t.i + 1:que.i]):
            return self.trim(que.i + 1, len(doc) - 1)
        obj = next((c for c in t.children if c.dep_ == "obj" and c.i > t.i), None)
        if obj is not None and not (act.speaker and act.speaker[0] > t.i):
            aux_left = min([c.i for c in t.children if c.dep_.startswith("aux")] + [t.i])
            return self.trim(aux_left, self.cut(obj))  # "a démenti toute frappe"
        if t.i > 2 and (t.dep_ in ("parataxis", "conj") or act.speaker and act.speaker[0] > t.i):
            aux_left = min([c.i for c in t.children if c.dep_.startswith("aux")] + [t.i])
            return self.trim(0, aux_left - 1)
        return None

    def cut(self, head: Token) -> int:
        """The last token of a phrase, before a comma that starts another clause."""
        doc = self.doc
        for i in range(head.i + 1, head.right_edge.i + 1):
            if doc[i].lower_ == ",":
                return i - 1
        return int(head.right_edge.i)

    def source_content(self, act: Act) -> tuple[int, int] | None:
        doc = self.doc
        assert act.speaker is not None
        start, end = act.head.i, act.speaker[1]
        if start <= 1:
            i = end + 1
            while i < len(doc) and doc[i].lower_ != ",":
                i += 1
            return self.trim(i + 1, len(doc) - 1)
        return self.trim(0, start - 1)

    def trim(self, left: int, right: int) -> tuple[int, int] | None:
        doc = self.doc
        while left <= right and (doc[left].is_punct and doc[left].text not in "\"«") or (
                left <= right and doc[left].lower_ in ("que", "qu'", "qu’", "de", "d'", "d’")
                and left < right and doc[left].dep_ == "mark"):
            left += 1
        while right >= left and doc[right].is_punct and doc[right].text not in "\"»":
            right -= 1
        if right >= left and doc[right].text in "\"»" and not any(
                doc[k].text in "\"«" for k in range(left, right)):
            right -= 1
        marks = sum(1 for k in range(left, right + 1) if doc[k].text in "\"«»")
        if marks % 2 and right + 1 < len(doc) and doc[right + 1].text in "\"»":
            right += 1
        return (left, right) if right >= left else None

    # --- numbers and figures -------------------------------------------------------------
    def number_at(self, i: int) -> tuple[int, int, int] | None:
        """(count, first token, last token) of a number starting at token i."""
        doc, approx = self.doc, self.lex.figures["approximate"]
        t = doc[i]
        low = t.lower_
        if lemma(t) in approx or low in approx:
            start = i - 1 if i > 0 and doc[i - 1].lower_ == "une" else i
            return int(approx.get(lemma(t), approx.get(low))), start, i
        if low.replace("\u202f", "").replace("\xa0", "").isdigit():
            return int(low.replace("\u202f", "").replace("\xa0", "")), i, i
        if low in ("un", "une"):
            nxt = doc[i + 1] if i + 1 < len(doc) else None
            if nxt is not None and self.noun_kind(nxt) in ("killed", "injured") and \
                    nxt.pos_ == "NOUN":
                return 1, i, i
            return None
        if t.pos_ in ("NUM", "PRON", "DET", "ADJ", "NOUN", "PROPN") and (
                t.is_alpha or "-" in t.text):
            j = i
            while j + 1 < len(doc) and self.word_number(doc[j + 1].lower_):
                j += 1
            words = " ".join(w.lower_ for w in doc[i:j + 1])
            if self.word_number(low):
                try:
                    return int(text2num(words, "fr")), i, j
                except ValueError:
                    return int(text2num(low, "fr")), i, i
        return None

    @staticmethod
    def word_number(word: str) -> bool:
        if word in ("un", "une", "et"):
            return False
        try:
            text2num(word, "fr")
        except ValueError:
            return False
        return True

    def numbers(self) -> list[NumberFound]:
        doc, out = self.doc, []
        not_counts = set(self.lex.figures["not_counts"])
        i = 0
        text = doc.text
        while i < len(doc):
            found = self.number_at(i)
            if found is None:
                i += 1
                continue
            count, start, end = found
            nxt = [lemma(w) for w in doc[end + 1:end + 4]]
            skip = bool(nxt) and (nxt[0] in not_counts or (
                len(nxt) >= 3 and nxt[0] == "et" and self.number_at(end + 2) and
                nxt[2] in not_counts))
            if doc[i].lower_.isdigit() and count >= 1900 and len(doc[i].text) == 4:
                skip = True
            if not skip:
                qualifier, qstart = "exact", start
                approx = self.lex.figures["approximate"]
                if lemma(doc[end]) in approx or doc[end].lower_ in approx:
                    qualifier = "about"
                before = text[:doc[start].idx].rstrip().lower().replace("’", "'")
                for words, qual in self.lex.qualifiers:
                    phrase = " ".join(words).replace("' ", "'")
                    if before.endswith(phrase) and (len(before) == len(phrase) or
                                                    not before[-len(phrase) - 1].isalpha()):
                        pos = len(before) - len(phrase)
                        qstart = next((w.i for w in doc if w.idx >= pos), start)
                        qualifier = qual
                        break
                out.append(NumberFound(count, qstart, i, end, qualifier))
            i = end + 1
        return out

    def noun_kind(self, t: Token) -> str | None:
        nouns = self.lex.figures["kinds"]["nouns"]
        for key in (lemma(t), t.lower_, t.lower_.rstrip("s"), t.lower_.rstrip("es")):
            if key in nouns:
                return str(nouns[key]) if nouns[key] else None
        return None

    def verb_kind(self, t: Token) -> str | None:
        verbs = self.lex.figures["kinds"]["verbs"]
        low = t.lower_
        if low.endswith("ant") and low[:-3] + "er" in verbs:  # "blessant" tagged as a noun
            return str(verbs[low[:-3] + "er"])
        if t.pos_ not in ("VERB", "ADJ", "AUX"):
            return None
        kind = verbs.get(lemma(t))
        if kind is None and t.pos_ == "ADJ":
            kind = self.noun_kind(t)
        return kind

    def requires_ok(self, word: str) -> bool:
        need = self.lex.figures["kinds"].get("nouns_requiring", {}).get(word)
        return need is None or any(lemma(w) == need for w in self.doc)

    def figures(self) -> list[FigureFound]:
        doc, out = self.doc, []
        for n in self.numbers():
            kind, rule, conf, kind_end, left = self.kind_of(n)
            if kind is None:
                continue
            start = min(n.start, left if left is not None else n.start)
            end = max(n.end, kind_end if kind_end is not None else n.end)
            if kind not in self.kinds_ok:
                self.skips.append(Skip(start, end, f"a figure of kind '{kind}' (not in the "
                                                   "annotation format yet)"))
                continue
            if n.qualifier not in self.qualifiers_ok:
                self.skips.append(Skip(start, end, f"a figure qualified '{n.qualifier}' (not in "
                                                   "the annotation format yet)"))
                continue
            fig = FigureFound(kind, n.count, n.qualifier, start, end, rule, conf)
            noun = n.end + 1 if n.end + 1 < len(doc) and doc[n.end + 1].pos_ == "NOUN" else n.end
            fig.inclusion = self.inclusion_after(noun) or self.inclusion_after(end)
            prev = doc[n.start - 1] if n.start > 0 else None
            after = doc[n.end + 1:n.end + 3]
            fig.subset = (prev is not None and prev.lower_ == "dont") or \
                any(w.lower_ in ("d'", "d’") for w in after[:1]) and \
                any(w.lower_ == "entre" for w in after)
            out.append(fig)
        return out

    def kind_of(self, n: NumberFound) -> tuple[str | None, str, float, int | None, int | None]:
        """Kind, rule, confidence, last token of the kind word (right), first token (left)."""
        doc, kinds = self.doc, self.lex.figures["kinds"]
        noun: tuple[str, int] | None = None
        verb: tuple[str, int] | None = None
        i = n.end + 1
        steps = 0
        while i < len(doc) and steps < 9:
            w = doc[i]
            if w.lower_ == "," and i + 1 < len(doc) and (
                    doc[i + 1].lower_ in ("dont", "âgés", "âgées", "âgé", "âgée") or
                    doc[i + 1].pos_ == "ADJ"):
                j = i + 1
                while j < len(doc) and doc[j].lower_ != ",":
                    j += 1
                i = j + 1
                continue
            if w.is_punct or w.lower_ in ("et", "ou", "lors", "selon", "dont", "mais"):
                break
            if noun is None and verb is None and self.noun_kind(w) and w.pos_ in (
                    "NOUN", "ADJ", "VERB") and self.requires_ok(lemma(w)):
                noun = (str(self.noun_kind(w)), i)
            vk = self.verb_kind(w)
            if vk and verb is None and w.i != (noun[1] if noun else -1) and (
                    vk != "body-recovered" or noun):
                verb = (vk, i)
            steps += 1
            i += 1
        window = [lemma(w) for w in doc[n.end + 1:min(len(doc), n.end + 10)]]
        for p in kinds.get("phrases", []):
            if all(word in window for word in p["words"]):
                last = max(n.end + 1 + window.index(word) for word in p["words"])
                return str(p["kind"]), "figure-phrase", 0.8, last, None
        if verb and noun and noun[0] != verb[0] and noun[1] == n.end + 1:
            return verb[0], "figure-predicate", 0.75, verb[1], None
        if noun:
            return noun[0], "figure-noun", 0.85, noun[1], None
        if verb:
            return verb[0], "figure-predicate", 0.75, verb[1], None
        # the verb before: "tuant deux personnes", "d'en avoir blessé plus de 30 autres"
        for j in range(n.start - 1, max(-1, n.start - 5), -1):
            w = doc[j]
            vk = self.verb_kind(w)
            if vk and vk != "body-recovered":
                end = n.end + 1 if n.end + 1 < len(doc) and doc[n.end + 1].pos_ in (
                    "NOUN", "ADJ") else n.end
                return vk, "figure-verb-before", 0.75, end, j
            if lemma(w) in self.lex.figures.get("toll_verbs", []):
                kind = self.toll_kind(w)
                if kind:
                    return kind, "figure-toll-revised", 0.6, n.end, w.left_edge.i
            if w.is_punct:
                break
        return None, "", 0.0, None, None

    def toll_kind(self, verb: Token) -> str | None:
        """The kind a revised toll counts: "Le nombre de morts … est passé à neuf"."""
        subj = next((c for c in verb.children if c.dep_ in SUBJECTS), None)
        if subj is None:
            return None
        for w in subj.subtree:
            kind = self.noun_kind(w)
            if kind:
                return kind
        return "killed" if lemma(subj) == "bilan" else None

    def inclusion_after(self, end: int) -> tuple[int, int] | None:
        """", dont un enfant de trois ans" right after a figure, when it has no verb."""
        doc = self.doc
        i = end + 1
        if i < len(doc) and doc[i].lower_ == ",":
            i += 1
        if i >= len(doc) or doc[i].lower_ != "dont":
            return None
        j = i + 1
        while j < len(doc) and not doc[j].is_punct:
            if doc[j].pos_ in ("VERB", "AUX"):
                return None
            j += 1
        return (i, j - 1) if j - 1 > i else None

    # --- victims -------------------------------------------------------------------------
    def victims(self, inclusions: list[tuple[int, int]]) -> list[VictimFound]:
        doc, nouns = self.doc, self.lex.events["victims"]
        out = []
        for t in doc:
            key = t.lower_ if t.lower_ in nouns else lemma(t)
            if key not in nouns or t.pos_ not in ("NOUN", "ADJ", "PROPN"):
                continue
            if t.i + 3 >= len(doc) or doc[t.i + 1].lower_ != "de":
                continue
            found = self.number_at(t.i + 2)
            if found is None:
                continue
            count, _, nend = found
            if nend + 1 >= len(doc):
                continue
            unit = lemma(doc[nend + 1])
            if unit not in ("an", "mois"):
                continue
            start = t.i - 1 if t.i > 0 and doc[t.i - 1].lower_ in ("un", "une") else t.i
            end = nend + 1
            inside = any(a <= start and end <= b for a, b in inclusions)
            age = f"P{count}{'Y' if unit == 'an' else 'M'}"
            words = f"{count}-{'year' if unit == 'an' else 'month'}-old"
            out.append(VictimFound(key, str(nouns[key]), age, words, self.harm_of(t), start, end,
                                   inside))
        return out

    def harm_of(self, t: Token) -> str | None:
        harm = self.lex.events["harm"]
        doc = self.doc
        for w in doc[:t.i]:  # "Parmi les blessés figure …", "Sur les 28 blessés, dont …"
            if w.lower_ in ("parmi", "sur") and w.i + 2 < t.i:
                for x in doc[w.i + 1:w.i + 4]:
                    if lemma(x) in harm or x.lower_ in harm:
                        return str(harm.get(lemma(x), harm.get(x.lower_)))
        node = t
        for _ in range(3):
            if node.head is node:
                break
            node = node.head
            key = lemma(node)
            if key in harm and node.pos_ in ("VERB", "NOUN", "ADJ"):
                return str(harm[key])
        return None

    # --- events --------------------------------------------------------------------------
    def events(self) -> list[EventFound]:
        doc, ev = self.doc, self.lex.events
        nouns, weapons = ev["nouns"], set(ev.get("weapons", []))
        strike_verbs = set(ev.get("strike_verbs", []))
        out = []
        for t in doc:
            key = lemma(t)
            if t.pos_ != "NOUN":
                continue
            if key in nouns:
                meta = nouns[key]
            elif key in weapons and t.dep_ in SUBJECTS and lemma(t.head) in strike_verbs:
                meta = {"type": None, "en": "strike"}
            else:
                continue
            left, right = t.left_edge.i, t.i
            if t.dep_ in SUBJECTS and lemma(t.head) in strike_verbs:
                right = t.head.i
                for c in t.head.children:
                    if c.i > t.head.i and c.dep_ in ("obj", "obl:mod", "obl:arg", "obl"):
                        right = max(right, self.cut_at_comma(c.i, c.right_edge.i))
            else:
                right = self.cut_at_comma(t.i, t.right_edge.i)
            while left < t.i and doc[left].is_punct:
                left += 1
            while right > t.i and doc[right].is_punct:
                right -= 1
            tokens = doc[left:right + 1]
            means = ev.get("means", {})
            etype = next((means[lemma(w)] for w in tokens if lemma(w) in means), None) or \
                meta.get("type")
            places = [e for e in doc.ents if e.label_ in ("LOC", "GPE") and
                      left <= e.start and e.end - 1 <= right]
            demonyms = [w for w in tokens if w.pos_ == "ADJ" and
                        lemma(w) in self.lex.actors["states"]]
            out.append(EventFound(key, str(meta.get("en") or key), etype, left, right, places,
                                  demonyms))
        return out

    def cut_at_comma(self, start: int, right: int) -> int:
        doc = self.doc
        for i in range(start + 1, right + 1):
            if doc[i].lower_ in (",", ";", "qui", "que") or doc[i].lower_ == "lors":
                return i - 1
        return right

    # --- dates ---------------------------------------------------------------------------
    def date(self) -> tuple[tuple[int, int], tuple[int, int] | None] | None:
        """The first date expression: "jeudi matin", "dans la nuit de lundi à mardi",
        "le 6 janvier", "la veille du Nouvel An"; and its part of day."""
        doc = self.doc
        for t in doc:
            low = t.lower_
            if low == "nuit" and t.i + 4 < len(doc) and doc[t.i + 2].lower_ in DATE_WORDS:
                start = t.i - 1 if doc[t.i - 1].lower_ in ("la",) else t.i
                if start > 0 and doc[start - 1].lower_ == "dans":
                    start -= 1
                end = t.i + 4 if doc[t.i + 4].lower_ in DATE_WORDS else t.i + 2
                return (start, end), (t.i, t.i)
            if low in DATE_WORDS:
                if t.i + 1 < len(doc) and doc[t.i + 1].lower_ in PARTS_OF_DAY:
                    return (t.i, t.i + 1), (t.i + 1, t.i + 1)
                return (t.i, t.i), None
            if low in MONTHS and t.i > 0 and doc[t.i - 1].lower_.rstrip("er").isdigit():
                start = t.i - 2 if t.i > 1 and doc[t.i - 2].lower_ == "le" else t.i - 1
                return (start, t.i), None
            if low == "veille" and "Nouvel An" in doc[t.i:t.i + 5].text:
                start = t.i - 1 if doc[t.i - 1].lower_ == "la" else t.i
                return (start, min(len(doc) - 1, t.i + 3)), None
        return None

    # --- media ---------------------------------------------------------------------------
    def media(self) -> list[MediumFound]:
        doc, lex = self.doc, self.lex.media
        out: list[MediumFound] = []
        for t in doc:
            low = t.lower_
            for svc in lex["online_services"]:
                words = [w.lower() for w in svc["words"]]
                match = (low in words and low != "x") or (t.text == "X" and "x" in words)
                if match and any(w.lower_ == "sur" for w in doc[max(0, t.i - 3):t.i]):
                    start = next(w.i for w in doc[max(0, t.i - 3):t.i] if w.lower_ == "sur")
                    out.append(MediumFound("online-service", svc["id"], start, t.i))
            if lemma(t) in lex["statements"] and t.i > 1 and (
                    doc[t.i - 2].lower_ in ("dans", "lors", "par", "après", "selon") or
                    (doc[t.i - 1].lower_ in ("la", "l'") and doc[t.i - 2].lower_ == "à")):
                start = t.i - 2
                if not any(m.start <= t.i <= m.end for m in out):
                    out.append(MediumFound("statement", lemma(t), start, t.i))
            if lemma(t) in lex.get("journalists", []) and t.i > 0 and \
                    doc[t.i - 1].lower_ == "aux":
                out.append(MediumFound("journalists", "journalists", t.i - 1, t.i))
        return out

    def quotes(self) -> list[tuple[int, int]]:
        """Character spans (in the sentence) of the words inside quotation marks."""
        spans = []
        for m in QUOTES.finditer(self.doc.text):
            g = next(i for i in (1, 2, 3) if m.group(i) is not None)
            spans.append((m.start(g), m.end(g)))
        return spans
