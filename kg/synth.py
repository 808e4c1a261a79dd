"""Synthetic articles in the real input format, for benchmarks at scale (`kg synth`).

Lives in the `kg` package (not only in bench/) so that `kg synth` works wherever `kg` is
installed; bench/synth.py is a thin wrapper kept for the benchmark scripts and tests.

Each article is a folder with `article.txt`, `article.yaml` and `annotations.yaml`, exactly as a
person would write them, so the benchmark measures the real build path (validation, anchoring,
mapping, rules, SHACL, load). The text is generated from French news templates, one sentence a
line; every quote the annotations cite is computed from the generated text, and cited as a plain
string when it occurs once, otherwise as `{quote, within: <its sentence>}` (each sentence is unique
in its article, so every quote anchors exactly once; `check_quotes` verifies it).

Shape, chosen so that every dispute rule fires at scale:
- actors shared across all articles under the seed's keys (zelensky, russian-mod, russia,
  ukraine, the two armed forces, the Russian foreign ministry, Telegram, X, the BBC), with
  Wikidata IDs only from kg/data/verified-qids.tsv; per-city authorities and regional
  administrations shared by every article about that city (no Wikidata field);
- one incident per group of three articles (three outlets report the same strike), plus an
  alleged-only counter-incident per group (Russia's accusation about a strike on a village);
- per article ~14 claims: officials' toll, the outlet's own wording (missile or drone, varying
  across the group), a condemnation, two denials (attack; missiles or drones by its forces),
  an alternative cause (munitions), an alternative perpetrator with footage as evidence, a
  regional administration's different toll, an armed forces report of missiles, a counter-
  accusation with a civilian target, a "military targets only" answer, an outlet that cannot
  verify, a rescue operation with volunteers, an outright denial that the counter-incident
  happened;
- casualty figures that disagree across sources and across the three articles of a group.

Usage: `kg synth OUT --articles N` or `--triples 1e6` (N from the measured yield of about
TRIPLES_PER_ARTICLE triples an article); `python bench/synth.py` takes the same arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TRIPLES_PER_ARTICLE = 1066  # measured: 30 articles gave 34,307 quads, 2,323 of them the ontology
ONTOLOGY_TRIPLES = 2323  # the ontology graph (plus a few hundred derived quads per 100 articles)

# Cities: (key, French name, English name, Wikidata ID or None). IDs only from verified-qids.tsv.
CITIES = [
    ("kharkiv", "Kharkiv", "Kharkiv", "Q42308"),
    ("kyiv", "Kiev", "Kyiv", "Q1899"),
    ("kherson", "Kherson", "Kherson", "Q156732"),
    ("synth-sumy", "Soumy", "Sumy", None),
    ("synth-dnipro", "Dnipro", "Dnipro", None),
    ("synth-zaporizhzhia", "Zaporijia", "Zaporizhzhia", None),
    ("synth-odesa", "Odessa", "Odesa", None),
    ("synth-mykolaiv", "Mykolaïv", "Mykolaiv", None),
    ("synth-poltava", "Poltava", "Poltava", None),
    ("synth-chernihiv", "Tchernihiv", "Chernihiv", None),
    ("synth-kramatorsk", "Kramatorsk", "Kramatorsk", None),
    ("synth-sloviansk", "Sloviansk", "Sloviansk", None),
    ("synth-kryvyi-rih", "Kryvyï Rih", "Kryvyi Rih", None),
    ("synth-izium", "Izioum", "Izium", None),
    ("synth-kupiansk", "Koupiansk", "Kupiansk", None),
    ("synth-nikopol", "Nikopol", "Nikopol", None),
]
# Places under Russian control where counter-incidents are alleged (no Wikidata IDs).
VILLAGES = [
    ("synth-oleshky", "Olechky", "Oleshky"),
    ("synth-skadovsk", "Skadovsk", "Skadovsk"),
    ("synth-hola-prystan", "Hola Prystan", "Hola Prystan"),
    ("synth-henichesk", "Henitchesk", "Henichesk"),
    ("synth-kalanchak", "Kalantchak", "Kalanchak"),
    ("synth-chaplynka", "Tchaplynka", "Chaplynka"),
    ("synth-lazurne", "Lazurne", "Lazurne"),
    ("synth-nova-kakhovka", "Nova Kakhovka", "Nova Kakhovka"),
]
# Outlets: (key, name as the text writes it, English name, Wikidata ID or None).
OUTLETS = [
    ("bbc", "La BBC", "BBC", "Q9531"),
    ("synth-agence-meridien", "L'agence Méridien", "Meridien agency", None),
    ("synth-radio-est", "Radio Est", "Radio Est", None),
    ("synth-courrier-kyiv", "Le Courrier de Kiev", "Kyiv Courier", None),
    ("synth-veille-mer-noire", "La Veille de la mer Noire", "Black Sea Watch", None),
    ("synth-journal-frontieres", "Le Journal des frontières", "Borders Journal", None),
]
ADJECTIVES = ["odieuse", "barbare", "cynique", "lâche", "terroriste", "ignoble"]
TARGETS = [("un hôtel", "a hotel"), ("une fête du Nouvel An", "a New Year's party"),
           ("un marché", "a market"), ("un arrêt de bus", "a bus stop"),
           ("une boulangerie", "a bakery"), ("un café", "a café")]
DAYPARTS = ["vendredi après-midi", "jeudi soir", "samedi matin", "mardi dans la nuit"]


@dataclass
class Text:
    """The article being written: sentences (one a line) and the quotes cited from each."""

    lines: list[str] = field(default_factory=list)

    def add(self, sentence: str) -> str:
        if sentence in self.lines:
            raise ValueError(f"sentence repeated: {sentence!r}")
        self.lines.append(sentence)
        return sentence

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class Q:
    """A quote: `phrase` inside `sentence`; resolved once the whole text is known."""

    def __init__(self, phrase: str, sentence: str) -> None:
        if sentence.count(phrase) != 1:
            raise ValueError(f"{phrase!r} must occur once in {sentence!r}")
        self.phrase, self.sentence = phrase, sentence

    def resolve(self, text: str) -> str | dict:
        if text.count(self.phrase) == 1:
            return self.phrase
        return {"quote": self.phrase, "within": self.sentence}


def _resolve(node: object, text: str) -> object:
    if isinstance(node, Q):
        return node.resolve(text)
    if isinstance(node, dict):
        return {k: _resolve(v, text) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, text) for v in node]
    return node


def _dative(name: str) -> str:
    """"à" + a French name with its article: "au Courrier", "à la BBC", "à l'agence"."""
    if name.startswith("Le "):
        return "au " + name[3:]
    if name.startswith(("La ", "L'")):
        return "à " + name[0].lower() + name[1:]
    return "à " + name


def tx(fr: str, en: str) -> dict:
    return {"fr": fr, "en": en}


def article(i: int) -> tuple[str, dict, dict, str]:
    """(folder name, article.yaml, annotations.yaml, text) of synthetic article number i."""
    g, v = divmod(i, 3)  # three articles (v = 0, 1, 2) report the incident of group g
    city_key, city_fr, city_en, city_qid = CITIES[g % len(CITIES)]
    vil_key, vil_fr, vil_en = VILLAGES[g % len(VILLAGES)]
    out_key, out_fr, out_en, out_qid = OUTLETS[(g + v) % len(OUTLETS)]
    published = dt.date(2026, 1, 2) + dt.timedelta(days=g % 300)
    folder = f"synth-{i:06d}-{out_key.removeprefix('synth-')}"
    incident, counter = f"synth-strike-{g:05d}", f"synth-counter-{g:05d}"
    building = f"synth-building-{g:05d}"
    auth, admin = f"{city_key}-authorities", f"{city_key}-military-administration"
    if city_key == "kharkiv":
        auth = "kharkiv-authorities"  # the seed's key: the same node as the seed's
    statement = f"statement-to-{out_key}"
    k1 = 2 + (g % 7) + v  # killed, per the city authorities (differs across the group)
    k2 = k1 + 1 + (g + v) % 4  # killed, per the regional administration (always more)
    i1 = 12 + (g * 7) % 40 + 3 * v  # injured, officials
    i2 = i1 + 2 + v  # injured, administration
    h = max(1, i2 // 2)  # hospitalized (a subset of the administration's injured)
    k3 = 15 + (g * 5) % 30 + 2 * v  # killed in the counter-incident, per Russia
    age = 3 + (g + v) % 6
    floors = 4 + g % 9  # the building is shared by the group: one label
    volunteers = 40 + (g * 11) % 80 + 5 * v
    weapon_fr, weapon_type = [("double missile", "missile-strike"), ("drone", "drone-strike"),
                              ("missile", "missile-strike")][v]
    adj = ADJECTIVES[(g + v) % len(ADJECTIVES)]
    target_fr, target_en = TARGETS[g % len(TARGETS)]
    daypart = DAYPARTS[(g + v) % len(DAYPARTS)]

    t = Text()
    s0 = t.add(f"{out_fr} fait le point, dans son bulletin numéro {i}, sur la situation à "
               f"{city_fr} après l'attaque de {daypart}.")
    s1 = t.add(f"{k1} personnes, dont un enfant de {age} ans, ont été tuées et environ {i1} "
               f"autres blessées lors d'une attaque russe sur {city_fr}, ont indiqué les "
               f"autorités de {city_fr}.")
    s2 = t.add(f"Un immeuble résidentiel de {floors} étages a été presque entièrement détruit "
               f"lors de l'attaque au {weapon_fr} de {daypart}.")
    s3 = t.add(f"Le président ukrainien Volodymyr Zelensky a qualifié l'attaque contre "
               f"{city_fr} d'\"{adj}\".")
    s4 = t.add(f"Le ministère russe de la défense a démenti les informations faisant état "
               f"d'une attaque sur {city_fr}.")
    s5 = t.add(f"Sur Telegram, le ministère a déclaré que ses forces armées \"n'ont ni planifié "
               f"ni lancé de frappes à l'aide de missiles ou de drones sur {city_fr}\".")
    s6 = t.add("Le ministère a suggéré que l'explosion avait été provoquée par la détonation "
               "d'un dépôt de munitions ukrainiennes.")
    s7 = t.add("Il a ajouté que des images filmées avant l'explosion prouvaient que les forces "
               "armées ukrainiennes avaient fait exploser des munitions.")
    s8 = t.add(f"Selon l'administration militaire régionale de {city_fr}, au moins {k2} "
               f"personnes ont été tuées et {i2} blessées, dont {h} hospitalisées.")
    s9 = t.add(f"Selon les forces armées ukrainiennes, deux missiles balistiques ont frappé "
               f"{city_fr}.")
    s10 = t.add(f"Une opération de recherche et de sauvetage est en cours à {city_fr}, avec "
                f"plus de {volunteers} volontaires sur place.")
    s11 = t.add(f"La Russie a accusé l'Ukraine d'avoir tué au moins {k3} civils lors d'une "
                f"frappe de drone sur {target_fr} à {vil_fr}.")
    s12 = t.add(f"Le ministère russe des affaires étrangères a affirmé que ces informations "
                f"cherchaient à détourner l'attention de la frappe de {vil_fr}.")
    s13 = t.add(f"L'Ukraine a déclaré {_dative(out_fr)} qu'elle menait des frappes "
                "exclusivement contre des cibles militaires.")
    s14 = t.add(f"{out_fr} n'a pas été en mesure de vérifier de manière indépendante ces "
                f"affirmations sur {vil_fr}.")
    s15 = t.add(occurrence_denial_sentence(vil_fr))
    text = t.text
    said_to = s13[len("L'Ukraine "):s13.index(" qu'elle")]

    def city_entity() -> dict:
        e = {"id": city_key, "kind": "city", "label": tx(city_fr, city_en)}
        if city_qid:
            e["wikidata"] = city_qid
        e["mentions"] = [Q(city_fr, s4)]
        return e

    outlet = {"id": out_key, "kind": "media-outlet", "label": tx(out_en if out_key == "bbc"
                                                                  else out_fr, out_en)}
    if out_qid:
        outlet["wikidata"] = out_qid
    outlet["mentions"] = [Q(out_fr, s0), Q(out_fr, s14)]
    entities = [
        outlet,
        city_entity(),
        {"id": auth, "kind": "collective",
         "label": tx(f"autorités de {city_fr}", f"{city_en} authorities"),
         "based_in": [city_key], "mentions": [Q(f"autorités de {city_fr}", s1)]},
        {"id": admin, "kind": "government-body",
         "label": tx(f"administration militaire régionale de {city_fr}",
                     f"{city_en} regional military administration"),
         "part_of": ["ukraine"], "based_in": [city_key],
         "mentions": [Q(f"l'administration militaire régionale de {city_fr}", s8)]},
        {"id": "zelensky", "kind": "person",
         "label": tx("Volodymyr Zelensky", "Volodymyr Zelenskyy"), "wikidata": "Q3874799",
         "role": tx("président ukrainien", "President of Ukraine"),
         "mentions": [Q("Le président ukrainien Volodymyr Zelensky", s3)]},
        {"id": "russian-mod", "kind": "government-body",
         "label": tx("ministère russe de la défense",
                     "Ministry of Defence of the Russian Federation"),
         "wikidata": "Q1146492", "part_of": ["russia"],
         "mentions": [Q("Le ministère russe de la défense", s4), Q("le ministère", s5),
                      Q("Le ministère", s6)]},
        {"id": "russian-mfa", "kind": "government-body",
         "label": tx("ministère russe des affaires étrangères",
                     "Ministry of Foreign Affairs of Russia"),
         "unverified": "Ministry of Foreign Affairs of Russia", "part_of": ["russia"],
         "mentions": [Q("Le ministère russe des affaires étrangères", s12)]},
        {"id": "russian-armed-forces", "kind": "armed-force",
         "label": tx("forces armées russes", "Armed Forces of the Russian Federation"),
         "unverified": "Armed Forces of the Russian Federation", "part_of": ["russia"],
         "mentions": [Q("ses forces armées", s5)]},
        {"id": "ukrainian-armed-forces", "kind": "armed-force",
         "label": tx("forces armées ukrainiennes", "Armed Forces of Ukraine"),
         "unverified": "Armed Forces of Ukraine", "part_of": ["ukraine"],
         "mentions": [Q("les forces armées ukrainiennes", s9),
                      Q("les forces armées ukrainiennes", s7)]},
        {"id": "ukraine", "kind": "state", "label": tx("Ukraine", "Ukraine"), "wikidata": "Q212",
         "mentions": [Q("l'Ukraine", s11), Q("L'Ukraine", s13)]},
        {"id": "russia", "kind": "state", "label": tx("Russie", "Russia"), "wikidata": "Q159",
         "mentions": [Q("La Russie", s11)]},
        {"id": "telegram", "kind": "online-service", "label": tx("Telegram", "Telegram"),
         "unverified": "Telegram (messaging service)", "mentions": [Q("Telegram", s5)]},
        {"id": statement, "kind": "direct-statement",
         "label": tx(f"déclaration à {out_en}", f"statement to {out_en}"),
         "addressee": out_key, "mentions": [Q(said_to, s13)]},
        {"id": vil_key, "kind": "village", "label": tx(vil_fr, vil_en),
         "located_in": ["ukraine"], "mentions": [Q(vil_fr, s11)]},
        {"id": building, "kind": "building",
         "label": tx(f"immeuble résidentiel de {floors} étages",
                     f"{floors}-storey residential building"),
         "damage_extent": Q("presque entièrement", s2),
         "mentions": [Q(f"Un immeuble résidentiel de {floors} étages", s2)]},
    ]
    incidents = [
        {"id": incident, "label": tx(f"Frappe sur {city_fr} (série {g})",
                                     f"Strike on {city_en} (series {g})"),
         "attestation": "reported-by-article", "place": city_key, "destroyed": [building],
         "mentions": [Q(f"une attaque russe sur {city_fr}", s1),
                      Q(f"l'attaque au {weapon_fr} de {daypart}", s2), Q("l'explosion", s6)]},
        {"id": counter, "label": tx(f"Frappe alléguée sur {vil_fr} (série {g})",
                                    f"Alleged strike on {vil_en} (series {g})"),
         "attestation": "alleged-only",
         "mentions": [Q(f"frappe de drone sur {target_fr} à {vil_fr}", s11)]},
    ]
    events = [
        {"id": f"synth-rescue-{i:06d}", "kind": "rescue-operation",
         "label": tx(f"Opération de sauvetage à {city_fr} ({i})", f"Rescue in {city_en} ({i})"),
         "status": "ongoing", "place": city_key, "related_incidents": [incident],
         "mentions": [Q("Une opération de recherche et de sauvetage est en cours", s10)]},
    ]
    content1 = s1[:s1.index(", ont indiqué")]
    claims = [
        {"id": "officials-toll",
         "label": tx(f"Les autorités de {city_fr} : {k1} tués, environ {i1} blessés",
                     f"{city_en} authorities: {k1} killed, about {i1} injured"),
         "claimant": auth, "stance": "reports", "about": [incident], "mentions": [Q(s1, s1)],
         "content": Q(content1, s1), "perpetrator": ["russia"], "event_type": ["attack"],
         "place": [city_key],
         "figures": [
             {"id": "killed-officials", "kind": "killed", "count": k1, "qualifier": "exact",
              "quote": Q(f"{k1} personnes, dont", s1),
              "inclusion": Q(f"dont un enfant de {age} ans", s1), "includes": ["child-killed"]},
             {"id": "injured-officials", "kind": "injured", "count": i1, "qualifier": "about",
              "quote": Q(f"environ {i1} autres blessées", s1)}],
         "victims": [{"id": "child-killed",
                      "description": tx(f"un enfant de {age} ans", f"a {age}-year-old child"),
                      "quote": Q(f"un enfant de {age} ans", s1), "age": f"P{age}Y",
                      "harm": "killed"}]},
        {"id": "outlet-weapon", "label": tx(f"{out_en} : une attaque au {weapon_fr}",
                                            f"{out_en}: a {weapon_type.replace('-', ' ')}"),
         "claimant": out_key, "stance": "reports", "attribution": "outlet-voice",
         "about": [incident], "mentions": [Q(s2, s2)],
         "content": Q(f"l'attaque au {weapon_fr}", s2), "event_type": [weapon_type]},
        {"id": "zelensky-condemns", "label": tx(f"Volodymyr Zelensky : une attaque « {adj} »",
                                                f"Volodymyr Zelenskyy: an \"{adj}\" attack"),
         "claimant": "zelensky", "stance": "condemns", "about": [incident],
         "mentions": [Q(s3, s3)], "content": Q(f"d'\"{adj}\"", s3), "verbatim": [Q(adj, s3)]},
        {"id": "mod-denies-attack",
         "label": tx("Le ministère russe de la défense dément une attaque",
                     "Russian Ministry of Defence denies an attack"),
         "claimant": "russian-mod", "stance": "denies", "about": [incident],
         "mentions": [Q(s4, s4)],
         "content": Q("a démenti les informations faisant état d'une attaque", s4),
         "event_type": ["attack"]},
        {"id": "mod-telegram-denial",
         "label": tx("Le ministère sur Telegram : ni missiles ni drones",
                     "The ministry on Telegram: no missiles or drones"),
         "claimant": "russian-mod", "stance": "denies", "medium": "telegram",
         "about": [incident], "mentions": [Q(s5, s5)],
         "content": Q(s5[s5.index("ses forces"):-1], s5),
         "verbatim": [Q(s5[s5.index("n'ont ni"):-2], s5)],
         "perpetrator": ["russian-armed-forces"], "event_type": ["missile-strike",
                                                                 "drone-strike"],
         "place": [city_key]},
        {"id": "mod-munitions", "label": tx("Le ministère : une détonation de munitions",
                                            "The ministry: a detonation of munitions"),
         "claimant": "russian-mod", "stance": "suggests", "about": [incident],
         "mentions": [Q(s6, s6)], "content": Q(s6[s6.index("l'explosion"):-1], s6),
         "cause": ["munitions-detonation"]},
        {"id": "mod-footage", "label": tx("Le ministère : des images prouvent une explosion de "
                                          "munitions ukrainiennes",
                                          "The ministry: footage proves Ukrainian munitions "
                                          "exploded"),
         "claimant": "russian-mod", "stance": "asserts", "attribution": "contextual",
         "continues": "mod-telegram-denial", "about": [incident], "mentions": [Q(s7, s7)],
         "content": Q(s7[s7.index("des images"):-1], s7),
         "perpetrator": ["ukrainian-armed-forces"], "cause": ["munitions-detonation"],
         "evidence": [{"id": "footage", "kind": "footage",
                       "description": tx("images filmées avant l'explosion",
                                         "footage filmed before the blast"),
                       "quote": Q("des images filmées avant l'explosion", s7)}]},
        {"id": "administration-toll",
         "label": tx(f"L'administration de {city_fr} : au moins {k2} tués",
                     f"{city_en} administration: at least {k2} killed"),
         "claimant": admin, "stance": "reports", "about": [incident], "mentions": [Q(s8, s8)],
         "content": Q(s8[s8.index("au moins"):-1], s8),
         "figures": [
             {"id": "killed-administration", "kind": "killed", "count": k2,
              "qualifier": "at-least", "quote": Q(f"au moins {k2} personnes", s8)},
             {"id": "injured-administration", "kind": "injured", "count": i2,
              "qualifier": "exact", "quote": Q(f"{i2} blessées", s8)},
             {"id": "hospitalized-administration", "kind": "hospitalized", "count": h,
              "qualifier": "exact", "quote": Q(f"{h} hospitalisées", s8),
              "subset_of": "injured-administration"}]},
        {"id": "armed-forces-missiles",
         "label": tx("Les forces armées ukrainiennes : deux missiles balistiques",
                     "Armed Forces of Ukraine: two ballistic missiles"),
         "claimant": "ukrainian-armed-forces", "stance": "reports", "about": [incident],
         "mentions": [Q(s9, s9)], "content": Q(s9[s9.index("deux missiles"):-1], s9),
         "perpetrator": ["russian-armed-forces"], "event_type": ["missile-strike"]},
        {"id": "administration-rescue",
         "label": tx(f"Plus de {volunteers} volontaires à {city_fr}",
                     f"More than {volunteers} volunteers in {city_en}"),
         "claimant": admin, "stance": "reports", "about": [f"synth-rescue-{i:06d}"],
         "mentions": [Q(s10, s10)], "content": Q(s10[:-1], s10),
         "figures": [{"id": "volunteers", "kind": "volunteers", "count": volunteers,
                      "qualifier": "more-than",
                      "quote": Q(f"plus de {volunteers} volontaires", s10)}]},
        {"id": "russia-accuses", "label": tx(f"La Russie accuse l'Ukraine : {k3} tués à {vil_fr}",
                                             f"Russia accuses Ukraine: {k3} killed in {vil_en}"),
         "claimant": "russia", "stance": "accuses", "about": [counter], "mentions": [Q(s11, s11)],
         "content": Q(s11[s11.index("l'Ukraine"):-1], s11), "perpetrator": ["ukraine"],
         "event_type": ["drone-strike"], "target": tx(target_fr, target_en),
         "target_kind": "civilian", "place": [vil_key],
         "figures": [{"id": "killed-counter", "kind": "killed", "count": k3,
                      "qualifier": "at-least", "quote": Q(f"au moins {k3} civils", s11)}],
         "verification": [{"status": "not-independently-verified",
                           "stated_by": "outlet-cannot-verify"}]},
        {"id": "mfa-diversion", "label": tx("Le ministère russe des affaires étrangères : une "
                                            "diversion", "Russian Foreign Ministry: a diversion"),
         "claimant": "russian-mfa", "stance": "accuses", "about": [incident],
         "mentions": [Q(s12, s12)], "content": Q(s12[s12.index("ces informations"):-1], s12),
         "counter_incident": [counter]},
        {"id": "ukraine-military-only",
         "label": tx("L'Ukraine : des frappes contre des cibles militaires seulement",
                     "Ukraine: strikes against military targets only"),
         "claimant": "ukraine", "stance": "asserts", "medium": statement,
         "responds_to": ["russia-accuses"], "about": [counter], "mentions": [Q(s13, s13)],
         "content": Q(s13[s13.index("qu'elle"):-1], s13),
         "target": tx("des cibles militaires", "military targets"), "target_kind": "military"},
        {"id": "outlet-cannot-verify",
         "label": tx(f"{out_en} n'a pas pu vérifier", f"{out_en} could not verify"),
         "claimant": out_key, "stance": "cannot-verify", "about": [counter],
         "mentions": [Q(s14, s14)],
         "content": Q(s14[s14.index("n'a pas"):-1], s14), "concerns": ["russia-accuses"]},
        occurrence_denial(counter, vil_key, vil_fr, vil_en, s15),
    ]
    meta = {"title": tx(f"Frappe sur {city_fr}, démenti et accusations ({out_en}, bulletin {i})",
                        f"Strike on {city_en}, denial and accusations ({out_en}, bulletin {i})"),
            "publisher": out_key, "language": "fr", "published": published.isoformat(),
            "segmentation": "lines", "invented": True}
    if out_key == "bbc":
        meta["translated_from"] = "en"
    annotations = {"entities": entities, "incidents": incidents, "events": events,
                   "claims": claims}
    resolved = _resolve(annotations, text)
    assert isinstance(resolved, dict)
    return folder, meta, resolved, text


# --- An outright denial: a claim that an incident did not happen at all, with nothing in
# particular denied (no perpetrator, event type, cause or target kind), so that the occurrence
# rule (queries/rules/occurrence.rq) fires at scale like the others. ---------------------------

def occurrence_denial_sentence(village_fr: str) -> str:
    return (f"Les forces armées ukrainiennes ont démenti qu'une quelconque frappe ait eu lieu "
            f"à {village_fr}.")


def occurrence_denial(counter: str, village: str, village_fr: str, village_en: str,
                      sentence: str) -> dict:
    """The Ukrainian armed forces deny that the alleged counter-incident happened at all."""
    return {"id": "armed-forces-deny-strike",
            "label": tx(f"Les forces armées ukrainiennes : aucune frappe à {village_fr}",
                        f"Armed Forces of Ukraine: no strike in {village_en}"),
            "claimant": "ukrainian-armed-forces", "stance": "denies", "about": [counter],
            "mentions": [Q(sentence, sentence)],
            "content": Q(sentence[sentence.index("qu'une"):-1], sentence), "place": [village]}


def write(out: Path, n: int, start: int = 0) -> list[Path]:
    """Write articles start..start+n-1 under `out` (created); return their folders."""
    out.mkdir(parents=True, exist_ok=True)
    folders = []
    for i in range(start, start + n):
        name, meta, annotations, text = article(i)
        folder = out / name
        folder.mkdir(exist_ok=True)
        (folder / "article.txt").write_text(text, encoding="utf-8")
        (folder / "article.yaml").write_text(
            yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
        (folder / "annotations.yaml").write_text(
            "# Synthetic article generated by `kg synth` (dispute-kg benchmarks).\n"
            + yaml.safe_dump(annotations, allow_unicode=True, sort_keys=False, width=1000),
            encoding="utf-8")
        folders.append(folder)
    return folders


def articles_for(triples: float) -> int:
    """How many articles give about `triples` triples (from the measured yield)."""
    return max(1, math.ceil((triples - ONTOLOGY_TRIPLES) / TRIPLES_PER_ARTICLE))


def synth(out: Path, articles: int | None = None, triples: float | None = None,
          clean: bool = True) -> int:
    """`kg synth`: write a corpus of synthetic articles; returns the number written."""
    n = articles if articles is not None else articles_for(triples or 1e5)
    if clean and out.exists():
        shutil.rmtree(out)
    write(out, n)
    return n


def check_quotes(folder: Path) -> None:
    """Raise unless every quote of the folder anchors exactly once (the build's own check)."""
    from kg.article import load_article
    from kg.config import Iris
    from kg.mapping import map_articles

    _, errors = map_articles([load_article(folder)], Iris("https://w3id.org/dispute-kg/"))
    if errors:
        raise ValueError("\n".join(map(str, errors)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path, help="folder to write the article folders into (replaced)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--articles", type=int, help="number of articles")
    g.add_argument("--triples", type=float, help="approximate number of triples (e.g. 1e6)")
    args = p.parse_args(argv)
    n = synth(args.out, args.articles, args.triples)
    print(f"wrote {n} synthetic articles to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
