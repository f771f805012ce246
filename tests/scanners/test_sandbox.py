"""run_limited: a function runs in a child within CPU, memory and time limits, or is stopped."""

import time

import pytest

from scanners.sandbox import LimitExceeded, ParseLimits, run_limited

from . import slow

MB = 1024 * 1024


def test_the_result_comes_back():
    assert run_limited(sorted, [3, 1, 2], limits=ParseLimits()) == [1, 2, 3]


@pytest.mark.parametrize(
    ("function", "args", "limits", "kind", "detail"),
    [
        (slow.spin, (), ParseLimits(cpu_seconds=1), "time", ""),
        (time.sleep, (60,), ParseLimits(timeout=0.3), "time", "no answer within 0.3 s"),
        (slow.hog, (), ParseLimits(memory_bytes=256 * MB), "memory", ""),
        (int, ("twelve",), ParseLimits(), "error", "ValueError"),
        # A loop in C never reaches the soft limit's handler: the hard limit kills it.
        (sum, (range(10**15),), ParseLimits(cpu_seconds=1), "stopped", ""),
    ],
    ids=["cpu", "wall-clock", "memory", "exception", "hard-cpu"],
)
def test_a_child_over_its_limits_is_stopped_and_says_why(function, args, limits, kind, detail):
    with pytest.raises(LimitExceeded) as stopped:
        run_limited(function, *args, limits=limits)

    assert (stopped.value.kind, stopped.value.detail) == (kind, detail)
    assert run_limited(len, "next", limits=ParseLimits()) == 4  # the next call is not affected
