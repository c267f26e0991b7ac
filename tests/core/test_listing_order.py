"""The browse window favours no poster (issue 11, item 2).

Listings used to be ordered by poster id and the sample truncated at the end, so the
fresh listings of the highest ids (and of every child) often reached no bidder.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

from diagon.market.bidding import browse_window
from diagon.market.context import RoundContext
from diagon.market.state import Listing

ROOT = Path(__file__).resolve().parents[2]


class _Ctx:
    """What ``browse_window`` reads from a round context: the config and the round's streams."""

    rng = RoundContext.rng

    def __init__(self, cfg, round_: int) -> None:
        self.cfg, self.round = cfg, round_


def _listings(posters: int, per_poster: int, surge_level: int = 0, first_id: int = 0) -> list[Listing]:
    ids = iter(range(first_id, first_id + posters * per_poster))
    return [
        Listing(next(ids), "t", p, "coding", 0.5, 1000, 0.5, 10_000, 10_000, surge_level, 1)
        for p in range(posters)
        for _ in range(per_poster)
    ]


def test_every_poster_is_seen_equally_often_and_first_equally_often(make_config):
    cfg = make_config("market.browse_window=10")
    fresh = _listings(25, 2)  # 50 fresh listings, 10 seen per bidder
    seen, first = Counter(), Counter()
    for round_ in range(1, 81):
        ctx = _Ctx(cfg, round_)
        for bidder in range(25):
            window = browse_window(ctx, bidder, [], fresh)
            assert len(window) == 10
            assert all(x.poster != bidder for x in window)
            seen.update(x.poster for x in window)
            first[window[0].poster] += 1
    # 80 rounds x 25 bidders x 10 slots over 25 posters: 800 each in expectation;
    # the binomial sd is ~27, so +-15 % is more than 4 sd. The old order gave the
    # last ids nothing at all.
    assert set(seen) == set(range(25))
    assert max(seen.values()) < 800 * 1.15 and min(seen.values()) > 800 * 0.85
    # the first slot (the one an LLM reads first): 80 per poster in expectation
    assert set(first) == set(range(25))
    assert max(first.values()) < 80 * 1.6 and min(first.values()) > 80 * 0.4


def test_surge_listings_come_first_and_the_window_is_seeded_per_bidder_and_round(make_config):
    cfg = make_config("market.browse_window=10")
    surged = _listings(25, 1, surge_level=2, first_id=0)
    fresh = _listings(25, 2, first_id=100)
    window = browse_window(_Ctx(cfg, 3), 7, surged, fresh)
    assert [x.surge_level for x in window] == [2] * 5 + [0] * 5  # half the window drains the pool
    again = browse_window(_Ctx(cfg, 3), 7, surged, fresh)
    assert [x.listing_id for x in window] == [x.listing_id for x in again]
    other_round = browse_window(_Ctx(cfg, 4), 7, surged, fresh)
    other_bidder = browse_window(_Ctx(cfg, 3), 8, surged, fresh)
    assert [x.listing_id for x in other_round] != [x.listing_id for x in window]
    assert [x.listing_id for x in other_bidder] != [x.listing_id for x in window]
    # a small market: everything foreign, still surge first, order not by id
    small = browse_window(_Ctx(cfg, 3), 0, surged[:3], fresh[:4])
    assert [x.surge_level for x in small] == [2, 2, 0, 0]
    assert {x.listing_id for x in small} == {1, 2, 102, 103}


def _fairness_script():
    spec = importlib.util.spec_from_file_location("listing_fairness", ROOT / "benchmarks" / "listing_fairness.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_default_run_no_bid_rate_does_not_depend_on_poster_id(run_market, tmp_path):
    """Seed 0, default run: the measured no-bid rates (benchmarks/listing_fairness.py).

    Before the fix: Q1-Q3 21-25 %, Q4 (ids 19-24) 61 %, children 100 %.
    """
    run = run_market("seed=0", run_dir=tmp_path / "r")
    rows, founders = _fairness_script().no_bid_rates(run.run_dir)
    rates = {label: none / n for label, n, none in rows}
    assert founders == 25
    quartiles = [r for label, r in rates.items() if label.startswith("Q")]
    assert len(quartiles) == 4
    assert max(quartiles) - min(quartiles) < 0.08
    assert rates["children (ids >= 25)"] < max(quartiles) + 0.1
