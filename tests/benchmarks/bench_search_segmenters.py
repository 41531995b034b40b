"""Which Chinese segmentation finds what users type: character pairs (what dealerqms
indexes) against jieba (precise and search modes) and rjieba, on the seed document and
the demo's Chinese texts.

    python tests/benchmarks/bench_search_segmenters.py
    python tests/benchmarks/bench_search_segmenters.py --seed /work/shared/seed/000_f27c3fbd58b1d149.txt

A text "should" be found when it contains the query as typed (the ground truth); recall is
the share of those a method finds, false hits the texts it finds that do not contain it.
Pairs match a query's run as a phrase of consecutive pairs (as FTS5 and tsquery ``<->`` do);
a dictionary segmenter matches when the text has every word it cut the query into (an AND
of terms, what a word index can do). Index size: postings (terms with positions), distinct
terms, and the bytes of an FTS5 table holding the segmented texts. jieba and rjieba are not
dependencies of dealerqms: install them to compare (``pip install jieba rjieba``); a missing
one is skipped.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core.search import segment  # noqa: E402

SEED = Path("/work/shared/seed/000_f27c3fbd58b1d149.txt")
# What users type (simplified), and the same words as the seed writes them (traditional).
QUERIES = [
    "试驾",
    "投诉",
    "三包",
    "交车",
    "客户满意度",
    "维修",
    "保养",
    "索赔",
    "回访",
    "满意度",
    "培训",
    "质量",
    "销售顾问",
    "车辆",
    "配件",
    "预约",
    "展厅",
]
TRADITIONAL = {
    "试驾": "試駕",
    "投诉": "投訴",
    "三包": "三包",
    "交车": "交車",
    "客户满意度": "客戶滿意度",
    "维修": "維修",
    "保养": "保養",
    "索赔": "索賠",
    "回访": "回訪",
    "满意度": "滿意度",
    "培训": "培訓",
    "质量": "質量",
    "销售顾问": "銷售顧問",
    "车辆": "車輛",
    "配件": "配件",
    "预约": "預約",
    "展厅": "展廳",
}


def seed_texts(path: Path) -> list[str]:
    """The seed's sentences (its lines are whole chapters)."""
    return [s.strip() for s in re.split(r"[。！？；\n]", path.read_text(encoding="utf-8")) if s.strip()]


def demo_texts() -> list[str]:
    """Every Chinese string of the demo modules and the starter procedures' paragraphs."""
    texts = []
    chinese = segment._cjk_pattern()
    for module in ROOT.glob("**/demo.py"):
        if ".venv" in module.parts:
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and chinese.search(node.value):
                texts.append(node.value)
    for document in (ROOT / "procedures" / "library").glob("*.md"):
        texts.extend(p for p in document.read_text(encoding="utf-8").split("\n\n") if chinese.search(p))
    return texts


class Pairs:
    name = "character pairs"

    def index(self, text):
        return segment.terms(text)

    def matches(self, terms, query):
        # A phrase: the query's pairs at consecutive positions.
        wanted = [term for part in segment.parse(query) for term in part.terms]
        n = len(wanted)
        return any(terms[i : i + n] == wanted for i in range(len(terms) - n + 1))


class Dictionary:
    def __init__(self, name, cut_index, cut_query):
        self.name, self._index, self._query = name, cut_index, cut_query

    def index(self, text):
        return [w for w in self._index(text) if w.strip()]

    def matches(self, terms, query):
        present = set(terms)
        return all(w in present for w in self._query(query) if w.strip())


def methods():
    found = [Pairs()]
    try:
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        found.append(Dictionary("jieba (precise)", jieba.lcut, jieba.lcut))
        found.append(Dictionary("jieba (search mode)", jieba.lcut_for_search, jieba.lcut))
    except ImportError:
        print("jieba not installed: skipped", file=sys.stderr)
    try:
        import rjieba

        found.append(Dictionary("rjieba", rjieba.cut, rjieba.cut))
    except ImportError:
        print("rjieba not installed: skipped", file=sys.stderr)
    return found


def fts5_bytes(segmented: list[str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "index.sqlite3")
        connection = sqlite3.connect(path)
        connection.execute("CREATE VIRTUAL TABLE t USING fts5(body, content='')")
        connection.executemany("INSERT INTO t (body) VALUES (?)", [(text,) for text in segmented])
        connection.commit()
        connection.execute("VACUUM")
        connection.close()
        return os.path.getsize(path)


def measure(corpus_name: str, texts: list[str], queries: list[str]) -> None:
    print(f"\n## {corpus_name}: {len(texts)} texts, {sum(map(len, texts)):,} characters\n")
    print("| method | recall | false hits | postings | distinct terms | FTS5 bytes | segmenting (median of 3) |")
    print("|---|---|---|---|---|---|---|")
    per_query = {}
    for method in methods():
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            indexed = [method.index(text) for text in texts]
            timings.append(time.perf_counter() - started)
        should = found = wrong = 0
        for query in queries:
            truth = {i for i, text in enumerate(texts) if query in text}
            hits = {i for i, terms in enumerate(indexed) if method.matches(terms, query)}
            should += len(truth)
            found += len(truth & hits)
            wrong += len(hits - truth)
            per_query.setdefault(query, {})[method.name] = f"{len(truth & hits)}/{len(truth)}"
        postings = sum(map(len, indexed))
        distinct = len({term for terms in indexed for term in terms})
        size = fts5_bytes([" ".join(terms) for terms in indexed])
        recall = found / should if should else 1.0
        print(
            f"| {method.name} | {recall:.1%} ({found}/{should}) | {wrong} | {postings:,} | {distinct:,} | "
            f"{size:,} | {statistics.median(timings) * 1000:.0f} ms |"
        )
    names = list(next(iter(per_query.values())))
    print("\n| query | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for query, row in per_query.items():
        print(f"| {query} | " + " | ".join(row[name] for name in names) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, default=SEED)
    args = parser.parse_args()
    if args.seed.exists():
        measure("seed document (traditional characters)", seed_texts(args.seed), [TRADITIONAL[q] for q in QUERIES])
    measure("demo texts and starter procedures (simplified)", demo_texts(), QUERIES)


if __name__ == "__main__":
    main()
