"""How the reranked passages are ordered: the cross-encoder's logit alone, or with the retrievers' fused rank.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/rerank_order.py [--sets dev wiki ...] [--weights 0 0.25 0.5 1 2]

Each answerable question of the question sets is searched once, as the assistant searches it; the passages the
cross-encoder scored are then put in the order each weight gives (``assistant.retrieval._reranked_order``: logit minus
weight x log of the fused rank). Reported per set and half: how often the first passage holds a gold answer or comes
from a gold source, and how often one of the first three does (the answer is drawn from the first three). Only the
order moves; which passages pass the relevance cut-off does not.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine_line, markdown_table, publish
from bench.corpus import QUESTION_SETS
from bench.eval import Judge, as_hit, synced_question_sets

if TYPE_CHECKING:
    from assistant.retrieval import Passage

WEIGHTS = [0.0, 0.25, 0.5, 1.0, 2.0]


def gold_flags(sets: list[str]) -> list[tuple[str, str, list[Passage], list[bool]]]:
    """Per answerable question: (set, half, the passages the cross-encoder scored in fused order, which are gold)."""
    rows = []
    for name, dataset, citewise in synced_question_sets(sets):
        retriever, judge = citewise.assistant.retriever, Judge(dataset)
        options = replace(retriever.defaults, rerank_fusion_weight=0.0)
        for question in dataset.questions:
            if not question.answerable:
                continue
            reranked = [p for p in retriever.search(question.question, options).passages if "rerank" in p.scores]
            reranked.sort(key=lambda p: p.scores["fused"] or 0.0, reverse=True)  # back to the fused order
            rows.append((name, question.split, reranked, [judge.is_gold(question, as_hit(p)) for p in reranked]))
    return rows


def main() -> int:
    from assistant.retrieval import _reranked_order

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=sorted(QUESTION_SETS), choices=sorted(QUESTION_SETS))
    parser.add_argument("--weights", nargs="+", type=float, default=WEIGHTS)
    args = parser.parse_args()
    machine = machine_line()
    rows = gold_flags(args.sets)
    table = []
    for name in [*args.sets, "all"]:
        for half in ("tune", "heldout"):
            chosen = [r for r in rows if r[1] == half and name in (r[0], "all")]
            cells = []
            for weight in args.weights:
                first = three = 0
                for _, _, passages, gold in chosen:
                    is_gold = dict(zip((p.chunk_id for p in passages), gold, strict=True))
                    order = _reranked_order(passages, weight)
                    first += bool(order) and is_gold[order[0].chunk_id]
                    three += any(is_gold[p.chunk_id] for p in order[:3])
                cells.append(f"{first} / {three}")
            table.append([name, half, len(chosen), *cells])
    headers = ["set", "half", "answerable", *(f"weight {w:g}: first / first three" for w in args.weights)]
    publish("rerank_order.md", [machine, "", markdown_table(headers, table)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
