"""Score `kg draft` against gold annotations, and time it.

    .venv/bin/python bench/extract.py            # dev set + seed + speed → bench/results/
    .venv/bin/python bench/extract.py --no-speed

Each article is drafted against the corpus of the *other* articles of its folder (what a
researcher has accepted before), then its draft is compared with the hand-written gold:

- entities: a drafted entity matches a gold one when their mentions overlap (one to one);
- links: (gold entity, Wikidata ID) pairs;
- claims: (sentence, claimant, stance) and (sentence, claimant, stance, incident), the claimant
  and incident mapped to gold through the entity/incident matching;
- figures: (kind, count, qualifier, claimant) and without the claimant;
- media: (sentence, claimant, medium) triples, and the accuracy of the medium over the gold
  claims that have a drafted claim of the same sentence and claimant (no medium on both
  counts as right);
- victims: (sentence, age, harm).

Precision, recall and F1 per article and in total (micro: counts summed), written to
bench/results/extract-*.json and bench/results/extract.md. The seed's gold was read while the
rules were written: its score is not a fair test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.anchoring import Anchorer, AnchorError  # noqa: E402
from kg.annotations import AnnotationErrors, Annotations  # noqa: E402
from kg.article import load_article, sentences_by_line  # noqa: E402
from kg.draft.run import CorpusFor, article_inputs, check_draft, draft_texts  # noqa: E402

DEV = ROOT / "tests" / "fixtures" / "drafting"
SEEDS = ROOT / "seeds"
RESULTS = ROOT / "bench" / "results"
Span = tuple[int, int]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, gold: Counter, drafted: Counter) -> Score:
        both = gold & drafted
        self.tp += sum(both.values())
        self.fp += sum((drafted - both).values())
        self.fn += sum((gold - both).values())
        return self

    def __iadd__(self, other: Score) -> Score:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        return self

    def as_dict(self) -> dict[str, Any]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(p, 3),
                "recall": round(r, 3), "f1": round(f, 3)}


@dataclass
class Accuracy:
    right: int = 0
    total: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"right": self.right, "total": self.total,
                "accuracy": round(self.right / self.total, 3) if self.total else 1.0}


@dataclass
class ArticleScore:
    scores: dict[str, Score] = field(default_factory=dict)
    media_accuracy: Accuracy = field(default_factory=Accuracy)
    attributed_found: Accuracy = field(default_factory=Accuracy)
    figures_found: Accuracy = field(default_factory=Accuracy)
    valid: bool | None = None
    errors: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


def spans_of(anchorer: Anchorer, quotes: list[Any]) -> list[Span]:
    out = []
    for q in quotes:
        try:
            s = anchorer.anchor(q)
        except AnchorError:
            continue
        out.append((s.begin, s.end))
    return out


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def align(gold: dict[str, list[Span]], drafted: dict[str, list[Span]]) -> dict[str, str]:
    """Drafted id → gold id, one to one, by the number of overlapping mentions."""
    pairs = []
    for d, dspans in drafted.items():
        for g, gspans in gold.items():
            n = sum(min(x[1], y[1]) - max(x[0], y[0])
                    for x in dspans for y in gspans if overlaps(x, y))
            if n:
                pairs.append((n, d, g))
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for _n, d, g in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if d not in mapping and g not in used:
            mapping[d] = g
            used.add(g)
    return mapping


def sentence_of(sentences: list[Span], pos: int) -> int:
    return next((i for i, (a, b) in enumerate(sentences) if a <= pos < b + 1), -1)


def score_article(text: str, gold: Annotations, drafted: Annotations) -> ArticleScore:
    anchorer = Anchorer(text)
    sentences = [(s.begin, s.end) for s in sentences_by_line(text)]
    result = ArticleScore()

    def entity_spans(a: Annotations) -> dict[str, list[Span]]:
        return {e.id: spans_of(anchorer, list(e.mentions)) for e in a.entities}

    def incident_spans(a: Annotations) -> dict[str, list[Span]]:
        return {i.id: spans_of(anchorer, list(i.mentions)) for i in a.incidents}

    emap = align(entity_spans(gold), entity_spans(drafted))
    imap = align(incident_spans(gold), incident_spans(drafted))

    def ent(key: str | None) -> str | None:
        return None if key is None else emap.get(key, "drafted:" + key)

    def inc(keys: list[str]) -> str | None:
        return imap.get(keys[0], "drafted:" + keys[0]) if keys else None

    def claim_rows(a: Annotations, mapped: bool) -> list[dict[str, Any]]:
        rows = []
        for c in a.claims:
            spans = spans_of(anchorer, list(c.mentions)) or [(0, 0)]
            rows.append({
                "sent": sentence_of(sentences, spans[0][0]),
                "claimant": ent(c.claimant) if mapped else c.claimant,
                "stance": c.stance,
                "incident": inc(c.about) if mapped else (c.about[0] if c.about else None),
                "medium": ent(c.medium) if mapped else c.medium,
                "attribution": c.attribution,
                "figures": [(f.kind, f.count, f.qualifier) for f in c.figures],
                "victims": [(v.age, v.harm) for v in c.victims],
            })
        return rows

    g_rows, d_rows = claim_rows(gold, False), claim_rows(drafted, True)
    s = result.scores
    s["entities"] = Score(len(emap), len(drafted.entities) - len(emap),
                          len(gold.entities) - len(emap))
    s["links"] = Score().add(
        Counter((e.id, e.wikidata) for e in gold.entities if e.wikidata),
        Counter((ent(e.id), e.wikidata) for e in drafted.entities if e.wikidata))
    s["incidents"] = Score(len(imap), len(drafted.incidents) - len(imap),
                           len(gold.incidents) - len(imap))
    s["claims (claimant+stance)"] = Score().add(
        Counter((r["sent"], r["claimant"], r["stance"]) for r in g_rows),
        Counter((r["sent"], r["claimant"], r["stance"]) for r in d_rows))
    s["claims (claimant+stance+incident)"] = Score().add(
        Counter((r["sent"], r["claimant"], r["stance"], r["incident"]) for r in g_rows),
        Counter((r["sent"], r["claimant"], r["stance"], r["incident"]) for r in d_rows))
    s["claims (claimant)"] = Score().add(
        Counter((r["sent"], r["claimant"]) for r in g_rows),
        Counter((r["sent"], r["claimant"]) for r in d_rows))
    s["figures (kind+count+qualifier+claimant)"] = Score().add(
        Counter((*f, r["claimant"]) for r in g_rows for f in r["figures"]),
        Counter((*f, r["claimant"]) for r in d_rows for f in r["figures"]))
    s["figures (kind+count+qualifier)"] = Score().add(
        Counter(f for r in g_rows for f in r["figures"]),
        Counter(f for r in d_rows for f in r["figures"]))
    s["media"] = Score().add(
        Counter((r["sent"], r["claimant"], r["medium"]) for r in g_rows if r["medium"]),
        Counter((r["sent"], r["claimant"], r["medium"]) for r in d_rows if r["medium"]))
    s["victims"] = Score().add(
        Counter((r["sent"], *v) for r in g_rows for v in r["victims"]),
        Counter((r["sent"], *v) for r in d_rows for v in r["victims"]))
    for g in g_rows:
        same = [d for d in d_rows if d["sent"] == g["sent"] and d["claimant"] == g["claimant"]]
        match = next((d for d in same if d["stance"] == g["stance"]), same[0] if same else None)
        if match is not None:
            result.media_accuracy.total += 1
            result.media_accuracy.right += match["medium"] == g["medium"]
        if g["attribution"] != "outlet-voice":
            result.attributed_found.total += 1
            result.attributed_found.right += match is not None
        if match is None:
            result.misses.append(f"claim S{g['sent'] + 1}: {g['claimant']} {g['stance']}")
        elif match["stance"] != g["stance"]:
            result.misses.append(f"stance S{g['sent'] + 1}: {g['claimant']} {g['stance']} "
                                 f"drafted as {match['stance']}")
    drafted_figs = Counter(f for r in d_rows for f in r["figures"])
    for r in g_rows:
        for f in r["figures"]:
            result.figures_found.total += 1
            if drafted_figs[f] > 0:
                drafted_figs[f] -= 1
                result.figures_found.right += 1
            else:
                result.misses.append(f"figure S{r['sent'] + 1}: {f}")
    return result


def draft_folder_set(folder: Path, corpus_seeds: Path, validate: bool) -> dict[str, Any]:
    """Draft every article of `folder` and score each against its gold."""
    folders = sorted(p for p in folder.iterdir() if (p / "article.txt").is_file())
    items = [(f, *article_inputs(f)) for f in folders]
    per: dict[str, Any] = {}
    total: dict[str, Score] = {}
    media, attributed, figures = Accuracy(), Accuracy(), Accuracy()
    for drafted in draft_texts(items, CorpusFor(corpus_seeds)):
        gold = load_article(drafted.folder)
        annotations = Annotations.model_validate(yaml.safe_load(drafted.yaml))
        result = score_article(gold.text, gold.annotations, annotations)
        if validate:
            try:
                check_draft(drafted.folder, drafted.yaml, shacl="all")
                result.valid = True
            except AnnotationErrors as exc:
                result.valid = False
                result.errors = [str(e) for e in exc.errors][:5]
            except Exception as exc:  # noqa: BLE001 - SHACL failure is reported, not raised
                result.valid = False
                result.errors = [str(exc)[:500]]
        for name, score in result.scores.items():
            total.setdefault(name, Score())
            total[name] += score
        for acc, part in ((media, result.media_accuracy), (attributed, result.attributed_found),
                          (figures, result.figures_found)):
            acc.right += part.right
            acc.total += part.total
        per[drafted.folder.name] = {
            **{k: v.as_dict() for k, v in result.scores.items()},
            "media accuracy": result.media_accuracy.as_dict(),
            "attributed claims found": result.attributed_found.as_dict(),
            "gold figures found": result.figures_found.as_dict(),
            "draft validates": result.valid, "errors": result.errors,
            "misses": result.misses}
    return {"articles": per,
            "total": {**{k: v.as_dict() for k, v in total.items()},
                      "media accuracy": media.as_dict(),
                      "attributed claims found": attributed.as_dict(),
                      "gold figures found": figures.as_dict(),
                      "drafts that validate": sum(1 for a in per.values()
                                                  if a["draft validates"]),
                      "articles": len(per)}}


def model_load_seconds() -> float:
    """Time to load fr_core_news_md in a fresh process (the cost `kg draft` pays once)."""
    code = ("import time; t = time.perf_counter(); import spacy; "
            "spacy.load('fr_core_news_md'); print(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return float(done.stdout.strip())


def speed(sizes: tuple[int, ...] = (100, 1000), processes: int = 2) -> dict[str, Any]:
    """Articles per second over folders of `sizes` articles (copies of the dev set under new
    names), with nlp.pipe on 1 and on `processes` processes; and one article after the model
    is loaded. Drafting only: reading the files, parsing, drafting, writing the YAML text
    (the optional validation of each draft is not timed)."""
    from kg.draft.nlp import french

    result: dict[str, Any] = {"model load s (fresh process)": round(model_load_seconds(), 2)}
    french()
    dev = sorted(p for p in DEV.iterdir() if (p / "article.txt").is_file())
    corpus_for = CorpusFor(SEEDS)
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="kg-draft-speed-") as tmp:
            corpus = Path(tmp) / "corpus"
            corpus.mkdir()
            for i in range(size):
                src = dev[i % len(dev)]
                dst = corpus / f"{src.name}-copy{i:04d}"
                dst.mkdir()
                for name in ("article.txt", "article.yaml"):
                    shutil.copyfile(src / name, dst / name)
            folders = sorted(corpus.iterdir())
            corpus_for(folders[0])  # the corpus index is loaded once, outside the timings
            result[f"{size} articles: characters"] = sum(
                len((f / "article.txt").read_text(encoding="utf-8")) for f in folders)
            for procs in sorted({1, processes}):
                t0 = time.perf_counter()
                items = [(f, *article_inputs(f)) for f in folders]
                n = sum(1 for _ in draft_texts(items, corpus_for, processes=procs))
                seconds = time.perf_counter() - t0
                assert n == size
                result[f"{size} articles, {procs} process(es): seconds"] = round(seconds, 2)
                result[f"{size} articles, {procs} process(es): articles/s"] = round(
                    size / seconds, 1)
    singles = []
    for f in dev:
        t0 = time.perf_counter()
        list(draft_texts([(f, *article_inputs(f))], corpus_for))
        singles.append(time.perf_counter() - t0)
    result["one article after load: median ms"] = round(statistics.median(singles) * 1000, 1)
    result["one article after load: max ms"] = round(max(singles) * 1000, 1)
    result["cores"] = os.cpu_count()
    result["python"] = platform.python_version()
    return result


def markdown(results: dict[str, Any]) -> str:
    lines = ["# kg draft: extraction scores and speed", "",
             "Written by `bench/extract.py` (see its docstring for what each figure counts).",
             "The seed's gold was read while the rules were written: its score is not a fair "
             "test. The dev set's texts and gold were written before the extractor "
             "(`tests/fixtures/drafting/`); the extractor was then developed against them, so "
             "they are a development set, not a held-out test.", ""]
    for name in ("dev", "seed"):
        if name not in results:
            continue
        total = results[name]["total"]
        lines += [f"## {name}: totals over {total['articles']} article(s)", "",
                  "| measure | precision | recall | F1 | tp | fp | fn |",
                  "|---|---|---|---|---|---|---|"]
        for key, v in total.items():
            if isinstance(v, dict) and "f1" in v:
                lines.append(f"| {key} | {v['precision']} | {v['recall']} | {v['f1']} | "
                             f"{v['tp']} | {v['fp']} | {v['fn']} |")
        for key in ("media accuracy", "attributed claims found", "gold figures found"):
            v = total[key]
            lines.append(f"| {key} | | {v['right']}/{v['total']} = "
                         f"{v.get('accuracy')} | | | | |")
        lines += ["", f"Drafts that validate: {total['drafts that validate']} of "
                  f"{total['articles']}.", "",
                  "| article | claims F1 (claimant+stance) | figures F1 | media acc. | "
                  "entities F1 | valid |", "|---|---|---|---|---|---|"]
        for art, v in results[name]["articles"].items():
            lines.append(f"| {art} | {v['claims (claimant+stance)']['f1']} | "
                         f"{v['figures (kind+count+qualifier+claimant)']['f1']} | "
                         f"{v['media accuracy']['accuracy']} | {v['entities']['f1']} | "
                         f"{v['draft validates']} |")
        lines.append("")
        misses = [(art, m) for art, v in results[name]["articles"].items()
                  for m in v["misses"]]
        if misses:
            lines += ["Misses (gold entries with no drafted counterpart, or another stance):",
                      ""]
            lines += [f"- {art}: {m}" for art, m in misses]
            lines.append("")
    if "speed" in results:
        lines += ["## speed", "", "| measure | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in results["speed"].items()]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    results["dev"] = draft_folder_set(DEV, DEV, not args.no_validate)
    results["seed"] = draft_folder_set(SEEDS, SEEDS, not args.no_validate)
    if not args.no_speed:
        results["speed"] = speed()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("dev", "seed", "speed"):
        if name in results:
            (args.out / f"extract-{name}.json").write_text(
                json.dumps(results[name], indent=2, ensure_ascii=False) + "\n",
                encoding="utf-8")
    (args.out / "extract.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


if __name__ == "__main__":
    main()
