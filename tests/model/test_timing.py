import time

from engrain.model.timing import joint_clock


class _Clock:
    """A generator's clock: wall time plus what it replayed from its memo."""

    def __init__(self, replayed: float) -> None:
        self.replayed = replayed

    def clock(self) -> float:
        return time.perf_counter() + self.replayed


def test_one_clock_is_itself_and_two_add_what_each_replayed():
    a, b = _Clock(2.0), _Clock(3.0)
    assert joint_clock(a.clock, a.clock) == a.clock
    now = time.perf_counter()
    assert 5.0 <= joint_clock(a.clock, b.clock)() - now < 5.5
