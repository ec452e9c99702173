"""Scale benchmark: a synthetic news collection of N chunks (evals/scale_data.py), ingested with a
progress bar, then the figures that grow with it.

    python -m factbot.evals.scale [--chunks 100000] [--vectors precomputed|real] [--workdir DIR]
                                  [--chroma-server] [--no-model] [--reuse] [--json]

--vectors real embeds every chunk with MiniLM (about 15 chunks/s on 2 cores: use it at a few
thousand chunks to compare ingest with the embedder's own throughput); precomputed inserts vectors
computed from the source sentences' real vectors, so the store and retrieval side can be measured
at 100,000 chunks in minutes. Reports ingest chunks/s and the embedder's throughput; start-up (a
new process until it can answer: without and with the model); retrieval p50/p95 by stage; peak
RSS; index size on disk; re-ingest of one changed file. --chroma-server measures the same through
`chroma run` serving the index built by a local run (run that first, same --chunks and --vectors),
plus ingest through the server."""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from factbot.evals.benchmark import ANSWERABLE
from factbot.evals.metrics import percentile

CLI = [str(Path(sys.executable).parent / "factbot")]  # the installed command, as a user runs it
STAGES = ("embed", "dense", "bm25", "fetch", "fuse")
SERVER_INGEST_CHUNKS = 2000


def _questions(dev_dir: Path | None, n: int) -> list[str]:
    qs = list(ANSWERABLE)
    rgb = dev_dir / "rgb_en_fact_dev.jsonl" if dev_dir else None
    if rgb and rgb.is_file():
        qs += [json.loads(line)["query"] for line in rgb.read_text().splitlines()]
    return qs[:n]


def _ms(values: list[float]) -> dict:
    return {"p50_ms": 1000 * statistics.median(values), "p95_ms": 1000 * percentile(values, 95)}


def _du(*paths: Path) -> int:
    return sum(f.stat().st_size for p in paths if p.exists() for f in p.rglob("*") if f.is_file())


def _config(data_dir: Path, corpus: Path, **changes):
    from factbot.core.config import Config

    return Config.from_env(data_dir=data_dir, corpus_dir=corpus, **changes)


# Collection and ingest ----------------------------------------------------------------------------
def collection(workdir: Path, n: int, precomputed: bool, dev_dir: Path | None, embedder) -> tuple[Path, dict]:
    from factbot.evals import scale_data as D

    folder = workdir / f"collection-{n}-{'precomputed' if precomputed else 'real'}"
    manifest = folder / "manifest.json"
    if manifest.is_file():
        return folder, json.loads(manifest.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    src = D.load_sources(dev_dir, workdir, embedder if precomputed else None)
    return folder, D.generate(folder, n, src, embedder)


def ingest(folder: Path, data_dir: Path, embedder, config_changes: dict) -> dict:
    """build_index with a progress bar, then the lexical index (as FactBot.ingest does)."""
    from factbot.index.build import build_index
    from factbot.index.store import rebuild_data_dir
    from factbot.pipeline.factbot import FactBot

    config = _config(data_dir, folder, **config_changes)
    rebuild_data_dir(config)
    bot = FactBot(config, embedder=embedder, auto_ingest=False)
    t0 = time.perf_counter()
    report = build_index(folder, bot.store, embedder, config, progress=True)
    t1 = time.perf_counter()
    bot.retriever.rebuild(progress=True)
    t2 = time.perf_counter()
    return {
        "chunks": report.chunks_written, "articles": len(report.added), "seconds": t2 - t0,
        "chunks_per_s": report.chunks_written / (t2 - t0), "store_seconds": t1 - t0, "lexical_seconds": t2 - t1,
        "vectors_not_precomputed": getattr(embedder, "misses", 0),
    }  # fmt: skip


def embedder_throughput(store, embedder, n: int) -> dict:
    """The embedder alone on n stored chunks, batches of 32, as build_index calls it."""
    texts = store.chunks.get(limit=n, include=["documents"])["documents"]
    embedder.embed(texts[:32])  # warm
    t = time.perf_counter()
    embedder.embed(texts)
    return {"chunks": len(texts), "chunks_per_s": len(texts) / (time.perf_counter() - t)}


# In-process measurements --------------------------------------------------------------------------
def latencies(bot, questions: list[str], rounds: int = 3) -> dict:
    """Per stage: query embedding, dense search, BM25, fetch of BM25-only hits, fusion; the
    evidence selection after them; the scope check's word statistics."""
    bot.find_evidence(questions[0])  # warm: lexical index loaded, Chroma's HNSW index in memory
    samples: dict[str, list[float]] = {s: [] for s in STAGES + ("retrieval", "evidence", "find")}
    for _ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            vec = bot.embedder.embed_one(q)
            stages = {"embed": time.perf_counter() - t}
            bot.retriever.retrieve(q, vec, timings=stages)
            t = time.perf_counter()
            bot.finder.find(q)
            find = time.perf_counter() - t
            retrieval = sum(stages[s] for s in STAGES)
            for s in STAGES:
                samples[s].append(stages[s])
            samples["retrieval"].append(retrieval)
            samples["find"].append(find)
            samples["evidence"].append(max(0.0, find - retrieval))
    words = ["russia", "kellogg", "climat", "nobel", "zzzz", "temperatur", "2025", "putin"] * 250
    t = time.perf_counter()
    for w in words:
        bot.retriever.chunk_share(w)
    out = {s: _ms(v) for s, v in samples.items()}
    out["chunk_share_us"] = 1e6 * (time.perf_counter() - t) / len(words)
    out["samples"] = len(samples["find"])
    return out


def reingest_one(bot, folder: Path) -> dict:
    """A full sync of the folder with nothing changed, then with one article changed."""
    t = time.perf_counter()
    unchanged = bot.ingest(folder, progress=False)
    t_unchanged = time.perf_counter() - t
    path = sorted(folder.glob("*/article-*.txt"))[len(unchanged.unchanged) // 2]
    path.write_text(path.read_text() + "\nA correction was appended to this article on Tuesday.\n")
    t = time.perf_counter()
    report = bot.ingest(folder, progress=False)
    assert report.updated == [str(path)], report
    return {"unchanged_sync_s": t_unchanged, "changed_file_s": time.perf_counter() - t, "chunks": report.chunks_written}


# New processes ------------------------------------------------------------------------------------
def probe(model: bool, question: str) -> None:
    """Run in a new process (--probe): print when it can answer, with and without the model."""

    def say(event: str, **kw) -> None:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"event": event, "t": time.time(), "peak_rss_mb": rss, **kw}), flush=True)

    from factbot.pipeline.factbot import FactBot
    from factbot.text.sentences import sentence_spans

    say("imported")
    bot = FactBot(auto_ingest=False)  # the index as it is (factbot ask --no-sync); the sync is timed apart
    bot.retriever.retrieve(question, bot.embedder.embed_one(question))  # lexical index loaded, HNSW in memory
    sentence_spans("Punkt. Loaded.")
    say("ready")  # from here a question costs its steady-state time
    t = time.perf_counter()
    bot.find_evidence(question)
    say("evidence", first_evidence_s=time.perf_counter() - t)
    if model:
        bot.model
        say("model")
        a = bot.answer(question)
        say("answered", first_token_s=a.timings.first_token_s, total_s=a.timings.total_s)
    t = time.perf_counter()
    bot.ingest(progress=False)
    say("synced", sync_s=time.perf_counter() - t)


def startup(env: dict, model: bool, question: str) -> dict:
    launch = time.time()
    cmd = [sys.executable, "-m", "factbot.evals.scale", "--probe", "--question", question] + ([] if model else ["--no-model"])
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    events = {e["event"]: e for e in map(json.loads, (l for l in out.stdout.splitlines() if l.startswith("{")))}
    if "synced" not in events:
        raise RuntimeError(f"probe failed:\n{out.stderr[-3000:]}")
    got = {"ready_s": events["ready"]["t"] - launch, "imports_s": events["imported"]["t"] - launch,
           "sync_s": events["synced"]["sync_s"], "peak_rss_mb": events["synced"]["peak_rss_mb"],
           "first_evidence_s": events["evidence"]["first_evidence_s"],
           "rss_at_ready_mb": events["ready"]["peak_rss_mb"]}  # fmt: skip
    if model:
        got["ready_with_model_s"] = events["model"]["t"] - launch
        got["model_load_s"] = events["model"]["t"] - events["ready"]["t"]
        got["first_answer_first_token_s"] = events["answered"]["first_token_s"]
        got["rss_with_model_mb"] = events["answered"]["peak_rss_mb"]
    return got


def cli_ask(env: dict, question: str) -> dict:
    """`factbot ask --json` as a user runs it: wall time, and when its first token came."""
    launch = time.perf_counter()
    out = subprocess.run(CLI + ["ask", "--json", question], env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - launch
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    t = json.loads(out.stdout)["timings"]
    first = wall - (t["total_s"] - t["first_token_s"]) if t.get("first_token_s") else None  # an upper bound
    return {"wall_s": wall, "answer_total_s": t["total_s"], "first_token_since_start_s": first,
            "load_avg_1min": os.getloadavg()[0]}  # fmt: skip


COLD_ASKS = 3  # new processes timed one after another: the figure is their median (one run is noisy)


def cli_asks(env: dict, question: str, n: int = COLD_ASKS) -> dict:
    """cli_ask n times; the medians, and each run."""
    runs = [cli_ask(env, question) for _ in range(n)]
    firsts = [r["first_token_since_start_s"] for r in runs if r["first_token_since_start_s"] is not None]
    return {"runs": runs, "wall_s": statistics.median(r["wall_s"] for r in runs),
            "first_token_since_start_s": statistics.median(firsts) if firsts else None}  # fmt: skip


def _post(url: str, path: str, body: dict) -> dict:
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=900) as r:
        return json.loads(r.read())


def with_api_server(env: dict, data_dir: Path, question: str, asks: int = 3) -> dict:
    """`factbot serve --api` running: `factbot ask` wall times against the answer's own time."""
    from factbot.core.config import SERVER

    address = data_dir / SERVER
    address.unlink(missing_ok=True)
    proc = subprocess.Popen(CLI + ["serve", "--api"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 600
        while not address.is_file():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"factbot serve --api did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.5)
        _post(json.loads(address.read_text())["url"], "/v1/ask", {"question": question})  # waits for the model
        runs = [cli_ask(env, question) for _ in range(asks)]
        return {"cli_wall_s": [r["wall_s"] for r in runs], "answer_total_s": [r["answer_total_s"] for r in runs],
                "overhead_s_median": statistics.median(r["wall_s"] - r["answer_total_s"] for r in runs)}  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=60)


# Chroma server ------------------------------------------------------------------------------------
def chroma_server(path: Path, log: Path):
    import chromadb
    from chromadb.config import Settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(exe), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})  # fmt: skip
    deadline = time.monotonic() + 300
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port, settings=Settings(anonymized_telemetry=False)).heartbeat()
            return proc, port
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chroma run did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)


def _vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# The run ------------------------------------------------------------------------------------------
def _open_bot(args, folder, data_dir, real, changes: dict, precomputed: bool, out: dict):
    """The FactBot measured: a new worker over the Chroma server, or the local index (ingested
    first unless --reuse finds it), with the embedder's own throughput beside the ingest rate."""
    from factbot.evals.scale_data import PrecomputedEmbedder
    from factbot.pipeline.factbot import FactBot

    if args.chroma_server:
        bot = FactBot(_config(data_dir, folder, **changes), embedder=real, auto_ingest=False)
        t = time.perf_counter()
        bot.retriever.rebuild(progress=True)  # a new worker: its lexical index built from the server
        out["new_worker_lexical_build_s"] = time.perf_counter() - t
        return bot
    if not ((data_dir / "chroma").is_dir() and args.reuse):
        emb = PrecomputedEmbedder(real, folder / "vectors.npz") if precomputed else real
        out["ingest"] = ingest(folder, data_dir, emb, {})
    bot = FactBot(_config(data_dir, folder), embedder=real, auto_ingest=False)
    out["embedder_only"] = embedder_throughput(bot.store, real, 256 if precomputed else 512)
    if "ingest" in out and not precomputed:
        out["ingest_vs_embedder"] = out["ingest"]["chunks_per_s"] / out["embedder_only"]["chunks_per_s"]
    return bot


def run(args) -> dict:
    from factbot.evals.scale_data import default_dev_dir
    from factbot.index.embed import Embedder

    workdir, precomputed = args.workdir, args.vectors == "precomputed"
    dev_dir = args.dev_dir or (default_dev_dir() if default_dev_dir().is_dir() else None)
    real = Embedder(threads=int(os.environ.get("FACTBOT_THREADS", "2")))
    folder, manifest = collection(workdir, args.chunks, precomputed, dev_dir, real)
    data_dir = workdir / f"index-{args.chunks}-{args.vectors}"
    questions = _questions(dev_dir, args.questions)
    out: dict = {"mode": args.vectors, "store": "chroma server" if args.chroma_server else "local chroma",
                 "collection": manifest, "cores": os.cpu_count(), "load_avg_start": os.getloadavg()}  # fmt: skip
    env = {**os.environ, "FACTBOT_DATA_DIR": str(data_dir), "FACTBOT_CORPUS_DIR": str(folder)}
    server = None
    changes: dict = {}
    if args.chroma_server:
        if not (data_dir / "chroma").is_dir():
            raise SystemExit(f"No local index in {data_dir}: run without --chroma-server first.")
        server, port = chroma_server(data_dir / "chroma", workdir / "chroma-server.log")
        lexical = workdir / f"lexical-server-{args.chunks}-{args.vectors}"
        shutil.rmtree(lexical, ignore_errors=True)
        changes = {"chroma_host": "127.0.0.1", "chroma_port": port, "lexical_dir": lexical}
        env |= {"FACTBOT_CHROMA_HOST": "127.0.0.1", "FACTBOT_CHROMA_PORT": str(port), "FACTBOT_LEXICAL_DIR": str(lexical)}
    try:
        bot = _open_bot(args, folder, data_dir, real, changes, precomputed, out)
        out["chunks_indexed"] = bot.retriever.lexical.count
        out["retrieval"] = latencies(bot, questions)
        out["reingest"] = reingest_one(bot, folder)
        out["index_bytes"] = {"chroma": _du(data_dir / "chroma"), "lexical": _du(changes.get("lexical_dir") or data_dir / "lexical")}
        del bot
        out["startup"] = [startup(env, not args.no_model, questions[0]) for _ in range(2)]
        if not args.no_model:
            out["cli_ask_without_server"] = cli_asks(env, questions[0])
            out["cli_ask_with_server"] = with_api_server(env, data_dir, questions[0])
        if args.chroma_server:
            out["chroma_server_peak_rss_mb"] = _vm_hwm_mb(server.pid)
            out["server_ingest"] = server_ingest(workdir, dev_dir, real, changes)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=60)
    out["load_avg_end"] = os.getloadavg()
    return out


def server_ingest(workdir: Path, dev_dir, real, changes: dict) -> dict:
    """Ingest through the Chroma server (precomputed vectors): a second, small collection."""
    from factbot.evals.scale_data import PrecomputedEmbedder

    folder, _ = collection(workdir, SERVER_INGEST_CHUNKS, True, dev_dir, real)
    got = ingest(folder, workdir / "server-ingest-unused", PrecomputedEmbedder(real, folder / "vectors.npz"),
                 changes | {"collection": "scaleingest", "lexical_dir": workdir / "lexical-server-ingest"})  # fmt: skip
    return got


def summary(r: dict) -> str:
    lines = [f"store: {r['store']}; vectors: {r['mode']}; chunks indexed: {r['chunks_indexed']:,} "
             f"({r['collection']['articles']:,} articles, median {r['collection']['chunks_per_article']['median']:.0f} chunks)"]  # fmt: skip
    if "ingest" in r:
        i = r["ingest"]
        lines.append(f"ingest: {i['chunks']:,} chunks in {i['seconds']:.0f} s = {i['chunks_per_s']:.1f} chunks/s "
                     f"(store {i['store_seconds']:.0f} s, lexical index {i['lexical_seconds']:.0f} s)")  # fmt: skip
    if "embedder_only" in r:
        lines.append(f"embedder alone: {r['embedder_only']['chunks_per_s']:.1f} chunks/s"
                     + (f"; ingest = {100 * r['ingest_vs_embedder']:.0f} % of it" if "ingest_vs_embedder" in r else ""))
    if "new_worker_lexical_build_s" in r:
        lines.append(f"new worker: lexical index built from the server in {r['new_worker_lexical_build_s']:.1f} s")
    if "server_ingest" in r:
        lines.append(f"ingest through the server: {r['server_ingest']['chunks_per_s']:.1f} chunks/s (precomputed vectors)")
    ret = r["retrieval"]
    lines.append("retrieval (ms, p50/p95): " + ", ".join(f"{s} {ret[s]['p50_ms']:.1f}/{ret[s]['p95_ms']:.1f}" for s in STAGES + ("retrieval",)))
    lines.append(f"evidence selection (ms, p50/p95): {ret['evidence']['p50_ms']:.0f}/{ret['evidence']['p95_ms']:.0f}; "
                 f"chunk_share {ret['chunk_share_us']:.1f} us per word; {ret['samples']} questions timed")  # fmt: skip
    re_ = r["reingest"]
    lines.append(f"re-ingest: one changed file {re_['changed_file_s']:.2f} s; nothing changed {re_['unchanged_sync_s']:.2f} s")
    lines.append(f"index on disk: Chroma {r['index_bytes']['chroma'] / 1e6:.0f} MB, lexical {r['index_bytes']['lexical'] / 1e6:.0f} MB")
    for n, s in enumerate(r["startup"], 1):
        model = (f"; with the model {s['ready_with_model_s']:.1f} s (load {s['model_load_s']:.1f} s)"
                 if "ready_with_model_s" in s else "")  # fmt: skip
        rss = f"{s['rss_at_ready_mb']:.0f} MB at ready" + (f", {s['rss_with_model_mb']:.0f} MB after an answer" if "rss_with_model_mb" in s else "")
        lines.append(f"start-up #{n}: ready {s['ready_s']:.1f} s (imports {s['imports_s']:.1f} s; then the first "
                     f"question's evidence {s['first_evidence_s']:.1f} s){model}; "
                     f"corpus sync {s['sync_s']:.1f} s; peak RSS {rss}, {s['peak_rss_mb']:.0f} MB after the sync")  # fmt: skip
    if "cli_ask_without_server" in r:
        c = r["cli_ask_without_server"]
        each = ", ".join(f"{x['first_token_since_start_s']:.1f}" for x in c.get("runs", ()) if x["first_token_since_start_s"])
        first = c["first_token_since_start_s"]
        first = f"{first:.1f} s" if first else "none (no token streamed)"
        lines.append(f"factbot ask, no server (median of {len(c.get('runs', ())) or 1}): {c['wall_s']:.1f} s, first token "
                     f"{first} after start" + (f" (runs: {each})" if each else ""))  # fmt: skip
        w = r["cli_ask_with_server"]
        lines.append(f"factbot ask, server running: {statistics.median(w['cli_wall_s']):.2f} s wall for answers taking "
                     f"{statistics.median(w['answer_total_s']):.2f} s (overhead {w['overhead_s_median']:.2f} s)")  # fmt: skip
    lines.append(f"load average (1 min) at start {r['load_avg_start'][0]:.1f}, at end {r['load_avg_end'][0]:.1f} on {r['cores']} cores")
    if "chroma_server_peak_rss_mb" in r:
        lines.append(f"chroma server peak RSS {r['chroma_server_peak_rss_mb']:.0f} MB")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, default=100_000)
    p.add_argument("--vectors", choices=("precomputed", "real"), default="precomputed")
    p.add_argument("--workdir", type=Path, default=Path.home() / ".cache" / "factbot" / "scale")
    p.add_argument("--dev-dir", type=Path, help="RGB and Climate-FEVER files (default: ../shared/dev beside the checkout)")
    p.add_argument("--questions", type=int, default=40)
    p.add_argument("--chroma-server", action="store_true", help="measure through `chroma run` serving the local run's index")
    p.add_argument("--no-model", action="store_true", help="skip the figures that load the model")
    p.add_argument("--reuse", action="store_true", help="measure the index built by an earlier run")
    p.add_argument("--json", action="store_true")
    p.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--question", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.probe:
        return probe(not args.no_model, args.question)
    random.seed(7)
    result = run(args)
    name = f"report-{args.chunks}-{args.vectors}{'-server' if args.chroma_server else ''}.json"
    (args.workdir / name).write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1) if args.json else summary(result))


if __name__ == "__main__":
    main()
