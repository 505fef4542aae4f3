"""The per-connection sliding window, on a clock the test moves."""

from __future__ import annotations

from bot.rate_limit import RateLimiter, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_over_the_limit_is_told_once_then_refused_silently() -> None:
    clock = Clock()
    limiter = RateLimiter(3, 10, clock)
    verdicts = [limiter.check("a") for _ in range(5)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.REFUSE, Verdict.REFUSE_SILENTLY]
    assert limiter.check("b") is Verdict.ALLOW  # per connection


def test_the_window_slides() -> None:
    clock = Clock()
    limiter = RateLimiter(2, 10, clock)
    assert limiter.check("a") is Verdict.ALLOW
    clock.now += 6
    assert limiter.check("a") is Verdict.ALLOW
    assert limiter.check("a") is Verdict.REFUSE
    clock.now += 4  # the first message left the window
    assert limiter.check("a") is Verdict.ALLOW
    assert limiter.check("a") is Verdict.REFUSE_SILENTLY  # told 4 s ago
    clock.now += 10
    assert limiter.check("a") is Verdict.ALLOW


def test_forgetting_a_connection_frees_it() -> None:
    limiter = RateLimiter(1, 10, Clock())
    limiter.check("a")
    assert limiter.check("a") is Verdict.REFUSE
    limiter.forget("a")
    assert limiter.check("a") is Verdict.ALLOW
