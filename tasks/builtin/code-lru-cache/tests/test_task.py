import pathlib
import time

import pytest
import untrusted


def load():
    path = pathlib.Path.cwd() / "lru.py"
    if not path.is_file():
        pytest.fail("lru.py missing")
    return untrusted.load(path.name).LRUCache


def test_capacity_validation():
    C = load()
    for bad in (0, -1, 1.5, "3", True):
        with pytest.raises(ValueError):
            C(bad)


def test_get_put_basic():
    c = load()(2)
    assert c.put("a", 1) is None
    assert c.put("b", 2) is None
    assert c.get("a") == 1
    assert c.get("zz") is None
    assert c.get("zz", 7) == 7
    assert len(c) == 2


def test_eviction_order_and_return():
    c = load()(2)
    c.put("a", 1)
    c.put("b", 2)
    c.get("a")
    assert c.put("c", 3) == ("b", 2)
    assert "b" not in c and "a" in c and "c" in c
    assert c.keys() == ["a", "c"]


def test_update_moves_to_front_without_eviction():
    c = load()(2)
    c.put("a", 1)
    c.put("b", 2)
    assert c.put("a", 10) is None
    assert c.keys() == ["b", "a"]
    assert c.put("c", 3) == ("b", 2)
    assert c.get("a") == 10


def test_contains_does_not_touch_recency():
    c = load()(2)
    c.put("a", 1)
    c.put("b", 2)
    assert "a" in c
    assert c.put("c", 3) == ("a", 1)


def test_stats():
    c = load()(1)
    c.get("x")
    c.put("x", 1)
    c.get("x")
    c.put("y", 2)
    c.get("x")
    s = c.stats
    assert s == {"hits": 1, "misses": 2, "evictions": 1}
    s["hits"] = 99
    assert c.stats["hits"] == 1


def test_falsy_values_and_none_keys():
    c = load()(3)
    c.put(None, 0)
    c.put(0, None)
    assert c.get(None, "d") == 0
    assert c.get(0, "d") is None
    assert c.stats["hits"] == 2


# runs next to the worker's code, so the loop times the cache, not 200k round trips
WORKLOAD = """
c = cache_class(1000)
for i in range(100_000):
    c.put(i % 5000, i)
    c.get((i * 7) % 5000)
result = len(c)
"""


def test_performance_is_constant_time():
    cache_class = load()
    start = time.perf_counter()
    size = untrusted.run(WORKLOAD, cache_class=cache_class)
    assert time.perf_counter() - start < 5.0
    assert size == 1000
