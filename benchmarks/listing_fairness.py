"""Does the browse window favour some posters? No-bid rate of fresh listings by poster id.

    python benchmarks/listing_fairness.py                    # the default run, seed 0
    python benchmarks/listing_fairness.py seed=1 rounds=48   # any Hydra overrides
    python benchmarks/listing_fairness.py --run-dir runs/…   # an existing run directory

A *fresh* listing is a task in the round it is first posted (surge level 0); it gets
"no bid" when no ``BidSubmitted`` names it in that round. The rate is printed by
quartile of the founding agents' ids (ids 0..N-1 split into four nearly equal groups),
for children (ids >= N, born by evolution) and for surge listings (by surge level > 0),
followed by the run's headline numbers. A window that does not favour any poster gives
every quartile the same rate up to sampling noise. Wherever the numbers are quoted
(README, issue 11 item 2) they come from this script.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np


def no_bid_rates(run_dir: Path) -> tuple[list[tuple[str, int, int]], int]:
    """Rows ``(group, listings, listings without a bid)`` and the founding population N."""
    from diagon.events import types as ev
    from diagon.events.log import read_events

    founders = 0
    fresh: dict[int, int] = {}  # listing id -> poster (first round only)
    surged: set[tuple[int, int]] = set()  # (round, listing id) of re-posted surge listings
    bid_on: set[tuple[int, int]] = set()
    posted_round: dict[int, int] = {}
    for e in read_events(run_dir / "events.jsonl"):
        if isinstance(e, ev.RunStarted):
            founders = len(e.agents)
        elif isinstance(e, ev.TaskPosted):
            if e.surge_level == 0:
                fresh[e.listing_id] = e.poster
                posted_round[e.listing_id] = e.round
            else:
                surged.add((e.round, e.listing_id))
        elif isinstance(e, ev.BidSubmitted):
            bid_on.add((e.round, e.listing_id))
    groups = np.array_split(np.arange(founders), 4)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    labels = [f"Q{i + 1} (ids {g[0]}-{g[-1]})" for i, g in enumerate(groups)]
    for listing_id, poster in fresh.items():
        if poster >= founders:
            label = f"children (ids >= {founders})"
        else:
            label = labels[next(i for i, g in enumerate(groups) if poster in g)]
        counts[label][0] += 1
        counts[label][1] += (posted_round[listing_id], listing_id) not in bid_on
    counts["surge listings"] = [len(surged), len(surged - bid_on)]
    order = [*labels, f"children (ids >= {founders})", "surge listings"]
    return [(k, *counts[k]) for k in order if counts[k][0]], founders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", type=Path, help="measure this run instead of playing one")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of the run to play")
    args = parser.parse_args(argv)
    from diagon.rundir.summary import summarise

    with tempfile.TemporaryDirectory() as tmp:
        run_dir = args.run_dir
        if run_dir is None:
            from diagon.config import compose_config
            from diagon.runner import execute_run

            run_dir = Path(tmp) / "run"
            execute_run(compose_config(args.overrides), run_dir)
        rows, _ = no_bid_rates(run_dir)
        print(f"{'poster group':<24} {'listings':>8} {'no bid':>7} {'rate':>7}")
        for label, n, none in rows:
            print(f"{label:<24} {n:>8} {none:>7} {none / n:>7.1%}")
        s = summarise(run_dir)
        print(
            f"contracts {s.contracts}, disputes {s.disputes} ({s.dispute_rate:.1%}),"
            f" wealth Gini (final, all agents) {s.wealth_gini_all:.3f}, (active agents)"
            f" {s.wealth_gini_active:.3f}, surge events {s.listings_surged}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
