import pathlib

import pytest
import untrusted


# the clock is called by the worker's code, so it lives next to it (in the child process);
# the tests move it by setting its ``t``
CLOCK = """
class FakeClock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t

result = FakeClock(start)
"""

# the threads must run next to the worker's code (calls through the channel are serialised)
THREADS = """
import threading

granted = []

def worker():
    for _ in range(200):
        if bucket.try_acquire():
            granted.append(1)

threads = [threading.Thread(target=worker) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
result = len(granted)
"""


def FakeClock(t=1000.0):
    return untrusted.run(CLOCK, start=t)


def load():
    path = pathlib.Path.cwd() / "ratelimit.py"
    if not path.is_file():
        pytest.fail("ratelimit.py missing")
    return untrusted.load(path.name)  # runs in a child process, never in pytest's


def test_validation():
    m = load()
    for rate, cap in ((0, 1), (1, 0), (-1, 5), (1, -2)):
        with pytest.raises(ValueError):
            m.TokenBucket(rate, cap, FakeClock())
    b = m.TokenBucket(1, 5, FakeClock())
    with pytest.raises(ValueError):
        b.try_acquire(6)
    with pytest.raises(ValueError):
        b.try_acquire(0)
    with pytest.raises(ValueError):
        b.wait_time(6)


def test_starts_full_and_drains():
    m = load()
    b = m.TokenBucket(2, 3, FakeClock())
    assert b.tokens == pytest.approx(3)
    assert [b.try_acquire() for _ in range(4)] == [True, True, True, False]


def test_refill_is_capped():
    m = load()
    clock = FakeClock()
    b = m.TokenBucket(2, 3, clock)
    assert b.try_acquire(3)
    clock.t += 0.5
    assert b.tokens == pytest.approx(1.0)
    clock.t += 100
    assert b.tokens == pytest.approx(3.0)


def test_failed_acquire_takes_nothing():
    m = load()
    clock = FakeClock()
    b = m.TokenBucket(1, 4, clock)
    assert b.try_acquire(3)
    assert not b.try_acquire(2)
    assert b.tokens == pytest.approx(1.0)
    clock.t += 1
    assert b.try_acquire(2)


def test_wait_time():
    m = load()
    clock = FakeClock()
    b = m.TokenBucket(4, 10, clock)
    assert b.wait_time(5) == 0.0
    b.try_acquire(10)
    assert b.wait_time(1) == pytest.approx(0.25)
    assert b.wait_time(10) == pytest.approx(2.5)
    clock.t += 0.25
    assert b.try_acquire(1)
    assert b.tokens == pytest.approx(0.0, abs=1e-9)


def test_clock_going_backwards():
    m = load()
    clock = FakeClock(500.0)
    b = m.TokenBucket(1, 2, clock)
    b.try_acquire(2)
    clock.t = 400.0
    assert b.tokens == pytest.approx(0.0)
    clock.t = 401.0
    assert b.tokens == pytest.approx(1.0)


def test_thread_safety():
    m = load()
    b = m.TokenBucket(1, 500, FakeClock())
    assert untrusted.run(THREADS, bucket=b) == 500


def test_keyed_limiter():
    m = load()
    clock = FakeClock()
    lim = m.KeyedRateLimiter(1, 2, clock)
    assert [lim.allow("a") for _ in range(3)] == [True, True, False]
    assert lim.allow("b") and len(lim) == 2
    clock.t += 1
    assert lim.cleanup() == 1 and len(lim) == 1
    assert not lim.allow("a", 2)
    clock.t += 1
    assert lim.cleanup() == 1 and len(lim) == 0
    assert lim.allow("a", 2)
