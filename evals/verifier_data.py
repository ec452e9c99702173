"""Training and report pairs for the verifier: `python -m factbot.evals.verifier_data OUT_DIR`.

Writes OUT_DIR/pairs_fit.jsonl and OUT_DIR/pairs_report.jsonl, one pair a line:
{"premise", "hypothesis", "label" (0 entailed, 1 contradicted, 2 neutral), "source", "kind",
"group"}. Seeded and reproducible. Sources (../shared/dev, see its README):

- synthetic: sentences of RealTimeQA articles, transformed (evals/verifier_synth.py); the premise
  is the sentence with its neighbours. NEUTRAL premises: the neighbours alone, or a sentence of
  another article that shares a name with it;
- realtimeqa: the quiz's evidence line against "question + choice" (answer_statement): the right
  choice ENTAILED, a wrong one CONTRADICTED; the evidence with the right choice replaced by a
  wrong one, the other way round (so the label cannot be read off which string is present); a
  name of the same type that stands in the evidence, CONTRADICTED; a sentence of the question's
  articles naming its words without the answer, and another question's evidence, NEUTRAL;
- rgb: sentences holding the answer against "query + answer" (ENTAILED) and "query + fake
  answer" (CONTRADICTED), the fact-altered sentences the other way round, noise sentences NEUTRAL;
- climate_fever: each labelled evidence sentence against its claim.

Splits never cut a group: RealTimeQA by week (fit up to 20250627, report after; an article of a
fit week is never a report premise), RGB by id (even ids fit, odd report: --half a / b),
Climate-FEVER by claim (fever.part_of). The articles' text stays out of the repository: OUT_DIR
is a scratch folder."""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from factbot.evals import verifier_synth as S
from factbot.verify.statements import answer_statement

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "dev"
FIT_LAST_WEEK = "20250627"
SEED = 7
PREMISE_WORDS = 70  # premises are quote windows: a sentence and a neighbour, cut to this
SYNTH_SENTENCES_PER_ARTICLE = 3
COMPOSE_SHARE = 0.5  # sentences whose transformations start from a shortened form (clause)
_WORD = re.compile(r"[A-Za-z0-9][\w'-]*")
_STOP = frozenset(
    "the a an of to in on for and or but is are was were be been by with at from as that this what which who "
    "whom whose when where why how did do does has have had will would can could after before about into "
    "over than its his her their they he she it week year new".split()
)  # fmt: skip


@dataclass(frozen=True)
class Pair:
    premise: str
    hypothesis: str
    label: int
    source: str
    kind: str
    group: str


def content_words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 2}


def cut(text: str, words: int = PREMISE_WORDS) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def week_of(item: dict) -> str:
    return str(item["id"]).split("_")[0]


def _sentences(text: str) -> list[str]:
    from factbot.text.sentences import sentence_spans

    return [text[a:b] for a, b in sentence_spans(text)]


def _window(sents: list[str], i: int, rng: random.Random) -> str:
    """Sentence i with the sentence before or after it (a quote window), or alone."""
    r = rng.random()
    if r < 0.4 and i > 0:
        return f"{sents[i - 1]} {sents[i]}"
    if r < 0.8 and i + 1 < len(sents):
        return f"{sents[i]} {sents[i + 1]}"
    return sents[i]


def _statementlike(s: str) -> bool:
    n = len(s.split())
    return 8 <= n <= 45 and s.rstrip().endswith((".", '."', ".”")) and not s.isupper()


# Synthetic pairs from article sentences ---------------------------------------------------------
def synthetic_pairs(articles: list[tuple[str, str]], part: str, per_article: int, rng: random.Random) -> list[Pair]:
    """articles: (group, text). Every usable sentence gets one transformation drawn at random
    among those that apply, plus a neutral premise now and then."""
    from factbot.text.parse import nlp

    nl = nlp()
    picked = []  # (group, sentences, index)
    for group, text in articles:
        sents = _sentences(text[:20000])
        idx = [i for i, s in enumerate(sents) if _statementlike(s)]
        rng.shuffle(idx)
        picked += [(group, sents, i) for i in idx[:per_article]]
    docs = list(nl.pipe([sents[i] for _, sents, i in picked], batch_size=64))
    # A contradiction is also made from a shortened sentence, so that "shorter than the premise"
    # never reads as "entailed" and "as long as the premise" never as "contradicted".
    shortened = [S.clause(d, rng) if rng.random() < COMPOSE_SHARE else None for d in docs]
    short_docs = iter(nl.pipe([m.hypothesis for m in shortened if m], batch_size=64))
    bases = [next(short_docs) if m else d for m, d in zip(shortened, docs)]
    pools: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for (group, _, _), doc in zip(picked, docs):
        for e in doc.ents:
            if e.label_ in S.SWAPPABLE_ENTS and e.text not in pools[group][e.label_]:
                pools[group][e.label_].append(e.text)
    global_pool: dict[str, list[str]] = defaultdict(list)
    for p in pools.values():
        for lab, names in p.items():
            global_pool[lab] += names[:3]
    by_name: dict[str, list[int]] = defaultdict(list)
    for k, doc in enumerate(docs):
        for e in doc.ents:
            if e.label_ in ("PERSON", "ORG", "GPE"):
                by_name[e.text.lower()].append(k)
    by_group: dict[str, list[int]] = defaultdict(list)
    for k, (group, _, _) in enumerate(picked):
        by_group[group].append(k)
    out = []
    for k, ((group, sents, i), doc) in enumerate(zip(picked, docs)):
        window = cut(_window(sents, i, rng))
        pool = {lab: (pools[group].get(lab) or []) + rng.sample(global_pool[lab], min(3, len(global_pool[lab])))
                for lab in S.SWAPPABLE_ENTS}  # fmt: skip
        made = [m for f in S.TRANSFORMS if (m := f(bases[k], rng, pool=pool)) is not None]
        contra = [m for m in made if m.label == S.CONTRADICTED]
        if len(contra) > 2 and rng.random() < 0.6:  # negation applies to almost every sentence
            contra = [m for m in contra if m.kind != "negation"]
        keep = [m for m in made if m.label == S.ENTAILED]
        keep = rng.sample(keep, 1) + rng.sample(contra, min(2, len(contra)))
        keep += [m for m in made if m.kind == "other_year"]
        out += [Pair(window, m.hypothesis, m.label, "synthetic", m.kind, group) for m in keep]
        others = [j for e in doc.ents if e.label_ in ("PERSON", "ORG", "GPE") for j in by_name[e.text.lower()]
                  if picked[j][0] != group]  # fmt: skip
        same_week = [j for j in by_group[group] if picked[j][1] is not sents]
        if (others or same_week) and rng.random() < 0.7:
            j = rng.choice(others or same_week)
            _, s2, i2 = picked[j]
            kind = "other_article" if others else "same_week_article"
            out.append(Pair(cut(_window(s2, i2, rng)), doc.text, S.NEUTRAL, "synthetic", kind, group))
        elif 0 < i < len(sents) - 1 and rng.random() < 0.4:
            around = cut(f"{sents[i - 1]} {sents[i + 1]}")
            out.append(Pair(around, doc.text, S.NEUTRAL, "synthetic", "neighbours", group))
    return out


# RealTimeQA question-answer pairs ---------------------------------------------------------------
def _replace_ci(text: str, old: str, new: str) -> str | None:
    m = re.search(re.escape(old), text, re.I)
    return None if not m else text[: m.start()] + new + text[m.end() :]


def realtimeqa_pairs(items: list[dict], part: str, rng: random.Random) -> list[Pair]:
    from factbot.text.parse import nlp

    nl = nlp()
    out = []
    by_week: dict[str, list[dict]] = defaultdict(list)
    for it in items:
        by_week[week_of(it)].append(it)
    usable = [it for it in items if it.get("evidence", "").strip()]
    docs = list(nl.pipe([cut(it["evidence"]) for it in usable], batch_size=32))
    for it, doc in zip(usable, docs):
        q, gold, group = it["question"], it["answer"], week_of(it)
        wrong = [c for c in it["choices"] if c != gold]
        ev = cut(it["evidence"])
        add = lambda p, a, lab, kind: out.append(Pair(p, answer_statement(q, a), lab, "realtimeqa", kind, group))  # noqa: E731
        add(ev, gold, S.ENTAILED, "qa_gold")
        for w in rng.sample(wrong, min(2, len(wrong))):
            add(ev, w, S.CONTRADICTED, "qa_wrong")
        if wrong:
            w = rng.choice(wrong)
            swapped = _replace_ci(ev, gold, w)
            if swapped:  # the evidence now states the wrong choice: labels turn round
                add(swapped, w, S.ENTAILED, "qa_swapped")
                add(swapped, gold, S.CONTRADICTED, "qa_swapped")
        gold_ents = [e for e in doc.ents if e.text.lower() in gold.lower() or gold.lower() in e.text.lower()]
        if gold_ents:
            same = [e.text for e in doc.ents if e.label_ == gold_ents[0].label_
                    and e.text.lower() not in gold.lower() and gold.lower() not in e.text.lower()]  # fmt: skip
            for other in rng.sample(same, min(2, len(same))):  # a wrong answer the premise does contain
                add(ev, other, S.CONTRADICTED, "qa_present")
        # neutral: a sentence of its articles naming the question's words but no choice
        qw = content_words(q)
        choice_words = set().union(*(content_words(c) for c in it["choices"]))
        cands = []
        for a in it.get("articles", [])[:6]:
            for s in _sentences(a["text"][:8000]):
                cw = content_words(s)
                if _statementlike(s) and len(cw & qw) >= 2 and not (cw & choice_words):
                    cands.append(s)
        if cands:
            add(cut(rng.choice(cands)), gold, S.NEUTRAL, "qa_unrelated")
        peers = [p for p in by_week[group] if p is not it and p.get("evidence")]
        if peers and rng.random() < 0.5:
            add(cut(rng.choice(peers)["evidence"]), gold, S.NEUTRAL, "qa_other_question")
    return out


# RGB -------------------------------------------------------------------------------------------
def _first(spec) -> list[str]:
    """Every alternative string of an RGB answer spec."""
    if isinstance(spec, str):
        return [spec]
    out = []
    for x in spec:
        out += _first(x)
    return out


def _holding(passages: list[str], answers: list[str]) -> list[tuple[str, str]]:
    """(window, sentence) for each sentence of the passages that holds one of the answers."""
    out = []
    for p in passages:
        sents = _sentences(p)
        for i, s in enumerate(sents):
            if any(a.lower() in s.lower() for a in answers):
                out.append((cut(" ".join(sents[max(0, i - 1) : i + 2])), s))
    return out


def rgb_pairs(items: list[dict], rng: random.Random) -> list[Pair]:
    out = []
    for it in items:
        q, group = it["query"], f"rgb-{it['id']}"
        gold, fake = _first(it["answer"]), _first(it.get("fakeanswer") or [])
        add = lambda p, a, lab, kind: out.append(Pair(p, answer_statement(q, a), lab, "rgb", kind, group))  # noqa: E731
        pos = _holding(it.get("positive", []), gold)
        for window, _ in rng.sample(pos, min(3, len(pos))):
            add(window, gold[0], S.ENTAILED, "qa_gold")
            if fake:
                add(window, fake[0], S.CONTRADICTED, "qa_wrong")
        if fake:
            wrong = _holding(it.get("positive_wrong", []), fake)
            for window, _ in rng.sample(wrong, min(2, len(wrong))):
                add(window, fake[0], S.ENTAILED, "qa_swapped")
                add(window, gold[0], S.CONTRADICTED, "qa_swapped")
        qw = content_words(q)
        noise = [s for p in it.get("negative", []) for s in _sentences(p)
                 if len(content_words(s) & qw) >= 1 and not any(a.lower() in s.lower() for a in gold)]  # fmt: skip
        for s in rng.sample(noise, min(3, len(noise))):
            add(cut(s), gold[0], S.NEUTRAL, "qa_unrelated")
    return out


# Climate-FEVER ---------------------------------------------------------------------------------
FEVER_LABEL = {"SUPPORTS": S.ENTAILED, "REFUTES": S.CONTRADICTED, "NOT_ENOUGH_INFO": S.NEUTRAL}


def fever_pairs(claims: list[dict]) -> list[Pair]:
    return [
        Pair(cut(e["evidence"]), c["claim"], FEVER_LABEL[e["evidence_label"]], "climate_fever", "fever", f"cf-{c['claim_id']}")
        for c in claims
        for e in c.get("evidences", [])
    ]


# Assembly --------------------------------------------------------------------------------------
def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def build(dev: Path = DEV, seed: int = SEED, fit_articles: int = 1600, report_articles: int = 250,
          skip_articles: int = 0) -> dict[str, list[Pair]]:
    """skip_articles: start the fit articles this far into their (seeded) order, so that a second
    training stage reads sentences the first did not."""
    from factbot.evals.fever import part_of

    rng = random.Random(seed)
    rtqa = _read(dev / "realtimeqa_dev.jsonl")
    fit_q = [r for r in rtqa if week_of(r) <= FIT_LAST_WEEK]
    rep_q = [r for r in rtqa if week_of(r) > FIT_LAST_WEEK]
    fit_urls = {a["url"] for r in fit_q for a in r["articles"]}

    def articles(qs, exclude=frozenset()):
        seen, out = set(), []
        for r in qs:
            for a in r["articles"]:
                if a["url"] not in seen and a["url"] not in exclude and len(a["text"]) > 400:
                    seen.add(a["url"])
                    out.append((f"rtqa-{week_of(r)}", a["text"]))
        return out

    fit_art, rep_art = articles(fit_q), articles(rep_q, exclude=fit_urls)
    rng.shuffle(fit_art)
    rng.shuffle(rep_art)
    rgb = _read(dev / "rgb_en_fact_dev.jsonl")
    fever = _read(dev / "climate_fever_dev.jsonl")
    parts = {
        "fit": synthetic_pairs(fit_art[skip_articles : skip_articles + fit_articles], "fit", SYNTH_SENTENCES_PER_ARTICLE, rng)
        + realtimeqa_pairs(fit_q, "fit", rng)
        + rgb_pairs([r for r in rgb if int(r["id"]) % 2 == 0], rng)
        + fever_pairs([c for c in fever if part_of(str(c["claim_id"])) == "fit"]),
        "report": synthetic_pairs(rep_art[:report_articles], "report", SYNTH_SENTENCES_PER_ARTICLE, rng)
        + realtimeqa_pairs(rep_q, "report", rng)
        + rgb_pairs([r for r in rgb if int(r["id"]) % 2 == 1], rng)
        + fever_pairs([c for c in fever if part_of(str(c["claim_id"])) == "report"]),
    }
    for pairs in parts.values():
        rng.shuffle(pairs)
    return parts


def write(parts: dict[str, list[Pair]], out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, pairs in parts.items():
        with (out / f"pairs_{name}.jsonl").open("w", encoding="utf-8") as f:
            for p in pairs:
                f.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")
        counts[name] = {
            "pairs": len(pairs),
            "by_source": dict(Counter(p.source for p in pairs)),
            "by_kind": dict(Counter(p.kind for p in pairs)),
            "by_label": {S.LABELS[k]: v for k, v in sorted(Counter(p.label for p in pairs).items())},
        }
    (out / "counts.json").write_text(json.dumps(counts, indent=2))
    return counts


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path, help="scratch folder for the pair files (not in the repository)")
    ap.add_argument("--dev", type=Path, default=DEV, help="the shared dev data folder")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--fit-articles", type=int, default=1600)
    ap.add_argument("--report-articles", type=int, default=250)
    ap.add_argument("--skip-articles", type=int, default=0, help="start this far into the fit articles (a second stage)")
    a = ap.parse_args(argv)
    counts = write(build(a.dev, a.seed, a.fit_articles, a.report_articles, a.skip_articles), a.out)
    print(json.dumps(counts, indent=2))


if __name__ == "__main__":
    main()
