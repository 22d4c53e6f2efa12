"""Search scale benchmark: the embedded engine against a naive tantivy index.

Generates N synthetic Vietnamese administrative documents (~2 KB each: a
personal header with a Vietnamese name and IDs, then sentences from an order-2
Markov chain trained on the seed documents), indexes them with the embedded
engine and with a naive baseline (plain tantivy: default tokenizer, default
query parser, Count + TopDocs), and prints index throughput (wall, and CPU per document of all
threads: the figure that compares on a shared machine), index size, latency percentiles per query
kind with the ratio baseline / engine, and the memory of a process serving the engine's index.

With --server, the same documents and the same query mix also go to a search server through its
backend (search/opensearch.py): a single-node OpenSearch the benchmark starts on loopback
(`make search-server` builds it), or the server a `--server-url` names. Its figures are wall
time seen by the client (the server's own CPU is in another process).

    .venv/bin/python bench/search_scale.py --docs 100000
    .venv/bin/python bench/search_scale.py --docs 100000 --server

Prints numbers; it is not a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import pickle
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search import IndexedDocument, SearchQuery, open_index  # noqa: E402

SEED_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus"

SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trịnh Đoàn Lâm".split()
MIDDLE = "Văn Thị Hữu Đức Minh Thanh Ngọc Quốc Xuân Thu Hoàng Gia Bảo Công Đình Kim Mạnh Thế".split()
GIVEN = (
    "Anh Bình Cường Dũng Đức Dục Giang Hà Hải Hạnh Hiếu Hòa Hùng Hương Huy Khánh Lan Linh Long Mai "
    "Minh Nam Nga Ngọc Nhung Phong Phúc Phương Quân Quang Sơn Tâm Thảo Thắng Thủy Trang Trung Tuấn "
    "Tùng Vân Việt Yến Đạt Đông Điệp Duyên Hằng Khoa Lộc Nhân Oanh Quyên Thịnh Toàn Uyên Vinh"
).split()
PLACES = (
    "Việt Trì|Phú Thọ|Thanh Sơn|Lâm Thao|Hạ Hòa|Cẩm Khê|Đoan Hùng|Tam Nông|Thanh Thủy|Yên Lập|"
    "Hưng Hóa|Phong Châu|Bạch Hạc|Nông Trang|Gia Cẩm|Tiên Cát|Thọ Sơn|Vân Phú|Dữu Lâu|Minh Phương"
).split("|")
DOC_TYPES = [  # (synthetic code, title); weights roughly Zipf
    ("TK1-TS", "Tờ khai tham gia, điều chỉnh thông tin BHXH, BHYT"),
    ("CCCD", "Căn cước công dân"),
    ("GKS", "Giấy khai sinh"),
    ("SO-BHXH", "Sổ bảo hiểm xã hội"),
    ("GCN-NV", "Giấy chứng nhận nghỉ việc hưởng chế độ BHXH"),
    ("QD-HUU", "Quyết định hưởng lương hưu"),
    ("GRV", "Giấy ra viện"),
    ("HDLD", "Hợp đồng lao động"),
    ("QD-TC", "Quyết định hưởng trợ cấp một lần"),
    ("DDN-BHTN", "Đơn đề nghị hưởng trợ cấp thất nghiệp"),
    ("GCT", "Giấy chứng tử"),
    ("GCN-KH", "Giấy chứng nhận kết hôn"),
    ("BB-TNLD", "Biên bản điều tra tai nạn lao động"),
    ("GXN-KT", "Giấy xác nhận khuyết tật"),
    ("UQ", "Giấy ủy quyền"),
]
PROCEDURES = ["1.000027", "1.000028", "1.000041", "1.000043", "1.001801", "1.002013", "2.000190", "2.001955"]
ISSUERS = [
    "BẢO HIỂM XÃ HỘI VIỆT NAM",
    "BẢO HIỂM XÃ HỘI TỈNH PHÚ THỌ",
    "ỦY BAN NHÂN DÂN XÃ",
    "BỆNH VIỆN ĐA KHOA TỈNH",
    "CÔNG TY CỔ PHẦN MAY PHÚ THỌ",
    "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
]
KINDS = ["owner", "two words", "two words, no diacritics", "phrase", "filtered", "mix"]
CHUNK_DOCS = 200_000  # documents generated at a time during a build (see Ahead)
COMMON_PHRASES = ["bảo hiểm xã hội", "thủ tục hành chính", "hồ sơ", "giải quyết", "kết quả giải quyết"]


# ---------------------------------------------------------------- corpus


@dataclass
class Owner:
    name: str
    personal_id: str
    insurance_code: str


class Corpus:
    """Deterministic generator of synthetic catalog documents."""

    def __init__(self, n_docs: int, seed: int = 7):
        self.n_docs = n_docs
        self.rng = random.Random(seed)
        self.sentences = self._markov_sentences(20_000)
        self.owners = [self._owner() for _ in range(max(1, n_docs // 5))]
        self.type_weights = [1.0 / (i + 1) for i in range(len(DOC_TYPES))]
        self.start = datetime(2022, 1, 1, tzinfo=timezone.utc)

    def _markov_sentences(self, count: int) -> list[str]:
        words: list[str] = []
        for path in sorted(SEED_DIR.glob("*.txt")):
            words.extend(path.read_text(encoding="utf-8").split())
        chain: dict[tuple[str, str], list[str]] = defaultdict(list)
        for a, b, c in zip(words, words[1:], words[2:]):
            chain[(a, b)].append(c)
        keys = list(chain)
        rng = self.rng
        out = []
        for _ in range(count):
            a, b = rng.choice(keys)
            sentence = [a, b]
            for _ in range(rng.randint(12, 40)):
                nxt = chain.get((a, b))
                if not nxt:
                    break
                a, b = b, rng.choice(nxt)
                sentence.append(b)
            out.append(" ".join(sentence))
        return out

    def _owner(self) -> Owner:
        rng = self.rng
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        return Owner(name, f"{rng.randrange(10**11, 10**12):012d}", f"{rng.randrange(10**9, 10**10):010d}")

    def documents(self):
        rng = self.rng
        for i in range(self.n_docs):
            owner = self.owners[rng.randrange(len(self.owners))]
            code, title = rng.choices(DOC_TYPES, weights=self.type_weights)[0]
            created = self.start + timedelta(seconds=rng.randrange(3 * 365 * 86400))
            place = rng.choice(PLACES)
            head = (
                f"{rng.choice(ISSUERS)}    CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                "Độc lập - Tự do - Hạnh phúc\n"
                f"{title.upper()}\n"
                f"Họ và tên: {owner.name}\n"
                f"Số định danh cá nhân: {owner.personal_id}  Mã số BHXH: {owner.insurance_code}\n"
                f"Ngày sinh: {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1950, 2005)}\n"
                f"Địa chỉ: xã {rng.choice(PLACES)}, huyện {place}, tỉnh Phú Thọ\n"
            )
            body = []
            size = len(head)
            while size < 1900:
                s = self.sentences[rng.randrange(len(self.sentences))]
                body.append(s)
                size += len(s) + 1
            text = head + "\n".join(body) + f"\n{place}, ngày {created:%d} tháng {created:%m} năm {created:%Y}\n{owner.name}"
            dossier = f"BHXH-PT-{created:%y%m%d}-{i % 10000:04d}"
            yield IndexedDocument(
                id=str(uuid.UUID(int=rng.getrandbits(128))),
                text=text,
                title=title,
                filename=f"scan_{i:07d}.pdf",
                owner_ids=[owner.personal_id, owner.insurance_code],
                owner_name=owner.name,
                document_type=code,
                procedure_codes=[rng.choice(PROCEDURES)],
                dossier_codes=[dossier],
                status="ready" if rng.random() < 0.95 else "pending",
                created_at=created,
            )


# ---------------------------------------------------------------- queries


@dataclass
class Probe:
    kind: str
    query: SearchQuery


def probes(sample: list[IndexedDocument], per_kind: int, seed: int = 11) -> list[Probe]:
    """A query mix drawn from indexed documents, so that queries match something."""
    from search.text import fold

    rng = random.Random(seed)
    words_of = lambda d: re.findall(r"[^\W\d_]+", d.text)  # noqa: E731
    out: list[Probe] = []
    for _ in range(per_kind):
        doc = rng.choice(sample)
        out.append(Probe("owner", SearchQuery(owner=doc.owner_ids[0])))

        doc = rng.choice(sample)
        if rng.random() < 0.5 and doc.owner_name:
            parts = doc.owner_name.split()
            two = f"{parts[0]} {parts[-1]}"
        else:
            ws = words_of(doc)
            two = f"{rng.choice(ws)} {rng.choice(ws)}"
        out.append(Probe("two words", SearchQuery(text=two.lower())))
        out.append(Probe("two words, no diacritics", SearchQuery(text=fold(two))))

        if rng.random() < 0.3:
            phrase = rng.choice(COMMON_PHRASES)
        else:
            ws = words_of(rng.choice(sample))
            n = rng.randint(2, 4)
            start = rng.randrange(max(1, len(ws) - n))
            phrase = " ".join(ws[start : start + n])
        out.append(Probe("phrase", SearchQuery(text=f'"{phrase.lower()}"')))

        doc = rng.choice(sample)
        day = doc.created_at.date()
        out.append(
            Probe(
                "filtered",
                SearchQuery(
                    text=rng.choice(words_of(doc)).lower(),
                    document_type=doc.document_type,
                    status="ready",
                    date_from=day - timedelta(days=90),
                    date_to=day + timedelta(days=90),
                ),
            )
        )
    rng.shuffle(out)
    return out


# ---------------------------------------------------------------- naive baseline


class NaiveIndex:
    """What a first attempt looks like: default tokenizer, default query parser, count everything."""

    def __init__(self, path: Path):
        import tantivy

        self.t = tantivy
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw")
        sb.add_text_field("body", stored=True)
        sb.add_text_field("owner", stored=True, tokenizer_name="raw")
        sb.add_text_field("document_type", stored=True, tokenizer_name="raw", fast=True)
        sb.add_text_field("status", tokenizer_name="raw")
        sb.add_date_field("created_at", stored=True, indexed=True, fast=True)
        self.schema = sb.build()
        self.index = tantivy.Index(self.schema, path=str(path))

    def add(self, docs) -> None:
        writer = self.index.writer(heap_size=512_000_000, num_threads=2)
        for d in docs:
            doc = self.t.Document(
                id=d.id,
                body=f"{d.title}\n{d.owner_name}\n{d.text}",
                owner=d.owner_ids,
                document_type=d.document_type,
                status=d.status,
            )
            doc.add_date("created_at", d.created_at)
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()

    def search(self, q: SearchQuery) -> int:
        parts = [q.text] if q.text else []
        if q.owner:
            parts.append(f'+owner:"{q.owner}"')
        if q.document_type:
            parts.append(f'+document_type:"{q.document_type}"')
        if q.status:
            parts.append(f'+status:"{q.status}"')
        if q.date_from:
            parts.append(f"+created_at:[{q.date_from}T00:00:00Z TO {q.date_to}T23:59:59Z]")
        searcher = self.index.searcher()
        query = self.index.parse_query(" ".join(parts) or "*", ["body"])
        result = searcher.search(query, q.limit, count=True)
        searcher.aggregate(query, {"t": {"terms": {"field": "document_type", "size": 500}}})
        snippets = self.t.SnippetGenerator.create(searcher, query, self.schema, "body")
        for _score, address in result.hits:
            snippets.snippet_from_doc(searcher.doc(address)).to_html()
        return result.count


# ---------------------------------------------------------------- running


class Ahead:
    """The documents of an iterator, generated CHUNK_DOCS at a time before the index reads them, and
    the time that took (wall, and this thread's CPU), which the build's figures leave out.

    Tantivy's threads go on indexing while the generator runs. Timed document by document, they did
    so through the whole build, and the wall figure gave the plain index time it had not spent
    (its build counted more CPU-seconds than two cores have in the wall time left). A chunk at a
    time, the overlap is what the writer's queue holds (10,000 documents) per chunk: 5 % at most."""

    def __init__(self, it):
        self.it = iter(it)
        self.spent = 0.0
        self.cpu = 0.0

    def __iter__(self):
        while True:
            t, c = time.perf_counter(), time.thread_time()
            chunk = list(islice(self.it, CHUNK_DOCS))
            self.spent += time.perf_counter() - t
            self.cpu += time.thread_time() - c
            if not chunk:
                return
            yield from chunk


class Build:
    """One index build's clocks: wall and this process's CPU, less the generator's (`Ahead`), and
    what the rest of the machine ran meanwhile (every CPU's busy time in /proc/stat, less this
    process's; the hypervisor's steal apart). Two builds compare only on a machine that stayed as
    quiet through both: the same engine build at a million documents counted 349 us of CPU a document
    on a quiet machine and 530-588 in earlier runs, one of them beside a test run (cores shared,
    caches evicted), so each build says how busy the machine was."""

    def __init__(self, gen: Ahead):
        self.gen = gen

    def __enter__(self) -> Build:
        self.t, self.c, self.busy = time.perf_counter(), time.process_time(), _busy()
        return self

    def __exit__(self, *exc) -> None:
        wall, own, busy = time.perf_counter() - self.t, time.process_time() - self.c, _busy()
        self.wall = wall - self.gen.spent
        self.cpu = own - self.gen.cpu
        self.others = max(0.0, (busy[0] - self.busy[0]) - own) / wall
        self.steal = (busy[1] - self.busy[1]) / wall

    def rate(self, n: int) -> float:
        return n / self.wall

    def line(self, name: str, n: int, path: Path) -> str:
        """Wall docs/s, and CPU per document of every thread (tantivy indexes in its own threads)."""
        return (f"{name}: indexed in {self.wall:.1f}s = {self.rate(n):,.0f} docs/s on {self.cpu / self.wall:.1f} "
                f"cores, cpu {self.cpu / n * 1e6:,.0f} us/doc (= {n / self.cpu:,.0f} docs per cpu-second), "
                f"size {dir_size(path) / 2**20:,.0f} MiB; other processes {self.others:.2f} cores, "
                f"steal {self.steal:.2f}")


def _busy() -> tuple[float, float]:
    """Seconds every CPU spent busy since boot, and of those stolen by the hypervisor (/proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def percentiles(ms: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return q[49], q[94], q[98]


def measure(runs: dict, probes_: list[Probe], warm: list[Probe]) -> dict[str, dict[str, dict[str, list[float]]]]:
    """Wall and CPU milliseconds per index and query kind. CPU (every thread of this process: the
    engine counts the matches in a thread beside the ranking) is what the query costs; wall is what
    the user waits, and adds waiting for a core on a shared machine. The indexes answer each query in
    turn, which one first alternating, so that a machine busier for a while slows them alike."""
    for p in warm:  # other queries: warm the OS cache, not the engine's facet cache
        for run in runs.values():
            run(p.query)
    times = {name: {"wall": defaultdict(list), "cpu": defaultdict(list)} for name in runs}
    order = list(runs.items())
    for i, p in enumerate(probes_):
        for name, run in order if i % 2 == 0 else order[::-1]:
            t, c = time.perf_counter(), time.process_time()
            run(p.query)
            wall, cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
            for kind in (p.kind, "mix"):
                times[name]["wall"][kind].append(wall)
                times[name]["cpu"][kind].append(cpu)
    return times


def estimates(engine, probes_: list[Probe]) -> str:
    """How far the engine's estimated totals and facets (a big result set counted over a sample) are
    from its exact counts of the same queries (exact_total; not timed)."""
    total_errors, facet_errors = [], []
    for p in probes_:
        got = engine.search(p.query)
        if got.total_exact:
            continue
        exact = engine.search(dataclasses.replace(p.query, exact_total=True))
        total_errors.append(abs(got.total - exact.total) / exact.total * 100)
        estimated = got.facets["document_type"]
        for code, n in exact.facets["document_type"].items():
            if n >= 1_000:  # a bucket the sample holds ~30 of at least
                facet_errors.append(abs(estimated.get(code, 0) - n) / n * 100)
    if not total_errors:
        return "estimated totals: none (every result set counted exactly)"
    spread = lambda e: f"median {statistics.median(e):.1f} %, p95 {percentiles(e)[1]:.1f} %, max {max(e):.1f} %"  # noqa: E731
    return (f"estimated totals: {len(total_errors)} of {len(probes_)} queries, error against the exact count "
            f"{spread(total_errors)}; facets of 1,000 or more: {spread(facet_errors) if facet_errors else 'none'}")


SERVING = """
import pickle, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from search import open_index

def memory():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return [int(fields[k].split()[0]) // 1024 for k in ("RssAnon", "RssFile", "VmHWM")]

queries = pickle.load(sys.stdin.buffer)
alone = memory()
index = open_index(sys.argv[2], default_dir=Path(sys.argv[2]))
for q in queries:
    index.search(q)
print(*alone, *memory())
"""


def serving_memory(index_dir: Path, probes_: list[Probe]) -> str:
    """Resident memory of a fresh process that opens the index and answers the whole query mix:
    what serving it adds to a service (anonymous: the engine's own; file: mapped index pages)."""
    repo = str(Path(__file__).resolve().parents[1])
    done = subprocess.run([sys.executable, "-c", SERVING, repo, str(index_dir)], check=True, capture_output=True,
                          input=pickle.dumps([p.query for p in probes_]))
    anon0, file0, _, anon, file, peak = map(int, done.stdout.split())
    return (f"RSS {anon + file:,} MiB (anonymous {anon:,}, index pages {file:,}; peak {peak:,}) after the mix; "
            f"{anon0 + file0:,} MiB before opening the index")


def index_on_server(corpus_size: int, url: str):
    """The corpus into a fresh index on the server at `url` (deleted by the caller)."""
    server = open_index(f"{url}/sohoa-bench-{uuid.uuid4().hex[:8]}", default_dir=Path("unused"))
    gen = Ahead(Corpus(corpus_size).documents())
    t = time.perf_counter()
    server.upsert(gen)
    server_s = time.perf_counter() - t - gen.spent
    server.client.indices.forcemerge(index=server.name, max_num_segments=1, request_timeout=600)
    size = server.client.indices.stats(index=server.name)["_all"]["primaries"]["store"]["size_in_bytes"]
    print(f"server: indexed in {server_s:.1f}s = {corpus_size / server_s:,.0f} docs/s, "
          f"size {size / 2**20:,.0f} MiB (after force-merge)", flush=True)
    return server


def index_both(corpus_size: int, workdir: Path, skip_baseline: bool, reuse: bool, builds: int = 1):
    """Build the engine's index and the plain one from the same documents, `builds` times in turn
    (each round from scratch), and keep the last round's; or, with `reuse`, open those in `workdir`."""
    sample: list[IndexedDocument] = []

    def keep_sample(docs):
        for i, d in enumerate(docs):
            if i % max(1, corpus_size // 3000) == 0:
                sample.append(d)
            yield d

    engine_dir, naive_dir = workdir / "engine", workdir / "naive"
    if reuse and engine_dir.exists():
        engine = open_index(str(engine_dir), default_dir=engine_dir)
        for _ in keep_sample(Corpus(corpus_size).documents()):
            pass
        naive = NaiveIndex(naive_dir) if naive_dir.exists() and not skip_baseline else None
        print(f"reusing indexes in {workdir}: engine {engine.count():,} docs", flush=True)
        return engine, naive, sample
    slower = []  # per round: how many times the plain build's wall rate and CPU rate the engine's
    for _ in range(builds):
        sample.clear()
        for path in (engine_dir, naive_dir):
            shutil.rmtree(path, ignore_errors=True)
        engine = open_index(str(engine_dir), default_dir=engine_dir)
        gen = Ahead(keep_sample(Corpus(corpus_size).documents()))
        with Build(gen) as built:
            engine.replace_all(gen)  # what `sohoa reindex` does
        print(f"generated {corpus_size} docs in {gen.spent:.1f}s (not counted below)", flush=True)
        print(built.line("engine", corpus_size, engine_dir), flush=True)
        naive = None
        if not skip_baseline:
            naive_dir.mkdir()
            naive = NaiveIndex(naive_dir)
            gen = Ahead(Corpus(corpus_size).documents())
            with Build(gen) as plain:
                naive.add(gen)
            print(plain.line("naive ", corpus_size, naive_dir), flush=True)
            slower.append((plain.rate(corpus_size) / built.rate(corpus_size), built.cpu / plain.cpu))
    if len(slower) > 1:  # printed as the engine's share of the plain index's rate: 1/x
        print("build engine/naive per round (wall docs/s, docs per cpu-second): "
              + ", ".join(f"1/{w:.2f} and 1/{c:.2f}" for w, c in slower)
              + f"; median 1/{statistics.median(w for w, _ in slower):.2f} and "
              f"1/{statistics.median(c for _, c in slower):.2f}", flush=True)
    return engine, naive, sample


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=100, help="queries per kind")
    ap.add_argument("--dir", type=Path, help="work directory (kept); default: a temporary one (removed)")
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--reuse", action="store_true", help="query the indexes already in --dir")
    ap.add_argument("--builds", type=int, default=1, help="build both indexes this many times in turn")
    ap.add_argument("--server", action="store_true", help="also run on a single-node OpenSearch started here")
    ap.add_argument("--server-url", help="also run on this server instead (opensearch+http://host:9200)")
    ap.add_argument("--server-heap", default="1g", help="heap of the OpenSearch started by --server")
    args = ap.parse_args()
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="sohoa-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    node, server = None, None
    try:
        engine, naive, sample = index_both(args.docs, workdir, args.skip_baseline, args.reuse, args.builds)
        if args.server and not args.server_url:
            from tests.search_server import start_opensearch

            t = time.perf_counter()
            node = start_opensearch((args.server_heap, args.server_heap))
            print(f"server: OpenSearch started (green) in {time.perf_counter() - t:.1f}s, heap {args.server_heap}")
        if node or args.server_url:
            server = index_on_server(args.docs, args.server_url or node.url)
        mix, warm = probes(sample, args.queries), probes(sample, 5, seed=99)
        print(f"load average before querying: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        runs = {"engine": engine.search, "naive": naive.search if naive else None,
                "server": server.search if server else None}
        results = measure({name: run for name, run in runs.items() if run}, mix, warm)
        for clock in ("wall", "cpu"):
            others = [name for name in results if name != "engine" and (clock == "wall" or name != "server")]
            print(f"\n{clock} ms per query at N={args.docs:,} ({args.queries} queries per kind)")
            print(f"{'kind':26s} {'engine p50/p95/p99':>23s}"
                  + "".join(f"   {name + ' p50/p95/p99':>23s}   p95 {name}/engine" for name in others))
            for kind in KINDS:
                e = percentiles(results["engine"][clock][kind])
                line = f"{kind:26s} {e[0]:7.1f} {e[1]:7.1f} {e[2]:7.1f}"
                for name in others:
                    o = percentiles(results[name][clock][kind])
                    line += f"   {o[0]:7.1f} {o[1]:7.1f} {o[2]:7.1f}   {o[1] / e[1]:{len(name) + 11}.1f}x"
                print(line)
        print(f"\n{estimates(engine, mix)}")
        print(f"\nengine serving {args.docs:,} documents: {serving_memory(workdir / 'engine', mix)}")
        slow = sorted(zip(results["engine"]["wall"]["mix"], results["engine"]["cpu"]["mix"], mix), key=lambda x: -x[1])
        print("\nslowest engine queries (by CPU):")
        for wall, cpu, p in slow[:5]:
            print(f"  cpu {cpu:6.1f} ms  wall {wall:6.1f} ms  {p.kind}: {p.query.text or p.query.owner!r}")
    finally:
        if server:
            server.client.indices.delete(index=server.name, ignore_unavailable=True)
            server.close()
        if node:
            node.stop()
        if not args.dir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
