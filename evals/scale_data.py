"""The synthetic collection of the scale benchmark (evals/scale.py): news-like articles made of the
sentences of the bundled articles, the RGB passages and the Climate-FEVER evidence (../shared/dev),
recombined and varied, with article lengths spread like news (log-normal, median about 6 KB), and
optionally a vector for every chunk so the store and retrieval can be measured at 100,000 chunks
without hours of embedding.

An article draws most sentences, in their order, from one source (a bundled article, one RGB
question's passages, one Wikipedia article of Climate-FEVER) and a fifth from elsewhere; numbers
are redrawn and some capitalized words become invented names, so texts, hashes and BM25
statistics differ from article to article. A precomputed chunk vector is the normalized mean of
the real MiniLM vectors of the source sentences in it (their variations aside), so dense search
sees real topical structure, not random points."""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from factbot.core.config import resource

MEDIAN_CHARS, SIGMA, MIN_CHARS, MAX_CHARS = 6000, 0.6, 600, 40_000
OTHER_SHARE = 0.2  # sentences from another source
SYLLABLES = "ka ri to ne sa vo lin dar mel tor an ve ros kel mi dun pra sel ho zan".split()
FILES_PER_FOLDER = 1000


def default_dev_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "shared" / "dev"


def source_pools(dev_dir: Path | None) -> list[list[str]]:
    """Sentences grouped by source; each pool reads like one article."""
    from factbot.text.sentences import sentence_spans

    def split(text: str) -> list[str]:
        return [text[a:b] for a, b in sentence_spans(text) if 30 <= b - a <= 400]

    pools = [split(p.read_text(encoding="utf-8")) for p in sorted(resource("corpus").glob("*.txt"))]
    if dev_dir and (dev_dir / "rgb_en_fact_dev.jsonl").is_file():
        for line in (dev_dir / "rgb_en_fact_dev.jsonl").read_text().splitlines():
            item = json.loads(line)
            pools.append([s for p in item.get("positive", []) + item.get("negative", []) for s in split(p)])
    if dev_dir and (dev_dir / "climate_fever_dev.jsonl").is_file():
        by_article: dict[str, list[str]] = {}
        for line in (dev_dir / "climate_fever_dev.jsonl").read_text().splitlines():
            for e in json.loads(line)["evidences"]:
                by_article.setdefault(e["article"], []).append(e["evidence"])
        pools += [list(dict.fromkeys(s for s in v if 30 <= len(s) <= 400)) for v in by_article.values()]
    return [p for p in pools if len(p) >= 3]


@dataclass
class Sources:
    sentences: list[str]  # unique
    pools: list[list[int]]  # sentence indexes per source
    vectors: np.ndarray | None  # MiniLM vector per sentence (precomputed mode)


def load_sources(dev_dir: Path | None, workdir: Path, embedder=None) -> Sources:
    """The source sentences, and with an embedder their vectors (cached in workdir)."""
    pools = source_pools(dev_dir)
    sentences = list(dict.fromkeys(s for p in pools for s in p))
    index = {s: i for i, s in enumerate(sentences)}
    vectors = None
    if embedder is not None:
        key = hashlib.sha256("\n".join(sentences).encode()).hexdigest()[:16]
        cache = workdir / f"sentence-vectors-{key}.npy"
        if cache.is_file():
            vectors = np.load(cache)
        else:
            print(f"embedding {len(sentences):,} source sentences once (cached in {cache})", flush=True)
            vectors = embedder.embed(sentences)
            workdir.mkdir(parents=True, exist_ok=True)
            np.save(cache, vectors)
    return Sources(sentences, [[index[s] for s in p] for p in pools], vectors)


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _vary(sentence: str, rng: random.Random) -> str:
    sentence = re.sub(r"\d+", lambda m: str(rng.randint(10 ** (len(m.group()) - 1), 10 ** len(m.group()) - 1))
                      if rng.random() < 0.7 else m.group(), sentence)  # fmt: skip
    words = sentence.split(" ")
    for i in range(1, len(words)):
        if words[i][:1].isupper() and words[i].isalpha() and rng.random() < 0.15:
            words[i] = _name(rng)
    return " ".join(words)


def article(src: Sources, rng: random.Random) -> tuple[str, list[tuple[str, int]]]:
    """(text, [(sentence as written, source sentence index)]): a title line, then paragraphs."""
    pool = src.pools[rng.choices(range(len(src.pools)), weights=[len(p) for p in src.pools])[0]]
    target = min(MAX_CHARS, max(MIN_CHARS, rng.lognormvariate(np.log(MEDIAN_CHARS), SIGMA)))
    picked, size, pos = [], 0, rng.randrange(len(pool))
    while size < target:
        if rng.random() < OTHER_SHARE:
            other = src.pools[rng.randrange(len(src.pools))]
            sid = other[rng.randrange(len(other))]
        else:
            sid, pos = pool[pos % len(pool)], pos + 1
        picked.append((_vary(src.sentences[sid], rng), sid))
        size += len(picked[-1][0]) + 1
    title_sid = pool[rng.randrange(len(pool))]
    title = " ".join(src.sentences[title_sid].rstrip(".!?").split()[:10]) + f" ({_name(rng)})"
    paragraphs, i = [], 0
    while i < len(picked):
        n = rng.randint(1, 4)
        paragraphs.append(" ".join(s for s, _ in picked[i : i + n]))
        i += n
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n", [(title, title_sid)] + picked


def generate(out: Path, n_chunks: int, src: Sources, embedder, seed: int = 7, progress: bool = True) -> dict:
    """Write articles under out until their chunks (as the real chunker cuts them) reach n_chunks.
    With src.vectors, also out/vectors.npz: each chunk's text hash and precomputed vector."""
    from tqdm import tqdm

    from factbot.index.chunk import chunk_document
    from factbot.index.ingest import load_document, read_source

    rng = random.Random(seed)
    keys, vecs, sizes, chars = [], [], [], []
    bar = tqdm(total=n_chunks, desc="Generating", unit="chunk", disable=not progress)
    n = 0
    while sum(sizes) < n_chunks:
        text, parts = article(src, rng)
        path = out / f"{n // FILES_PER_FOLDER:03d}" / f"article-{n:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        doc = load_document(read_source(path, 10**8))
        chunks = chunk_document(doc, 200, embedder.count_tokens)
        if src.vectors is not None:
            spans, at = [], 0
            for sentence, sid in parts:  # where each sentence landed in the stored text
                start = doc.text.find(sentence, at)
                if start >= 0:
                    spans.append((start, start + len(sentence), sid))
                    at = start + len(sentence)
            for c in chunks:
                sids = [sid for a, b, sid in spans if a < c.end and b > c.start] or [parts[0][1]]
                v = src.vectors[sids].mean(axis=0)
                keys.append(text_key(c.text))
                vecs.append(v / (np.linalg.norm(v) or 1.0))
        sizes.append(len(chunks))
        chars.append(len(doc.text))
        bar.update(len(chunks))
        n += 1
    bar.close()
    if vecs:
        np.savez(out / "vectors.npz", keys=np.array(keys, np.int64), vectors=np.array(vecs, np.float32))
    sizes_a, chars_a = np.array(sizes), np.array(chars)
    manifest = {
        "articles": n, "chunks": int(sizes_a.sum()), "seed": seed, "precomputed": bool(vecs),
        "chunks_per_article": {"median": float(np.median(sizes_a)), "p10": float(np.percentile(sizes_a, 10)),
                               "p90": float(np.percentile(sizes_a, 90)), "max": int(sizes_a.max())},
        "chars_per_article": {"median": float(np.median(chars_a)), "p10": float(np.percentile(chars_a, 10)),
                              "p90": float(np.percentile(chars_a, 90))},
    }  # fmt: skip
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def text_key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little", signed=True)


class PrecomputedEmbedder:
    """Stands in for the Embedder during a precomputed ingest: the real tokenizer counts tokens
    (chunks are cut exactly as in a real ingest), vectors come from vectors.npz by chunk text.
    Any other text (a question, evidence sentences) goes to the real model."""

    def __init__(self, real, vectors_file: Path):
        data = np.load(vectors_file)
        self.real, self.vectors = real, data["vectors"]
        self.row = {int(k): i for i, k in enumerate(data["keys"])}
        self.misses = 0

    def count_tokens(self, text: str) -> int:
        return self.real.count_tokens(text)

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        rows = [self.row.get(text_key(t)) for t in texts]
        if any(r is None for r in rows):
            self.misses += sum(r is None for r in rows)
            return self.real.embed(texts, batch_size)
        return self.vectors[rows]

    def embed_one(self, text: str) -> np.ndarray:
        return self.real.embed_one(text)
