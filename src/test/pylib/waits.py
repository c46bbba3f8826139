"""Bounded waits for the benchmark and flood scripts: every wait has a deadline and says what it waited for."""

import time


def until(what, check, limit_s, every_s=0.05):
    """Calls check() every every_s seconds until it returns something truthy, and returns that. Past limit_s
    seconds it raises TimeoutError naming what it waited for, so a benchmark never hangs a machine."""
    deadline = time.monotonic() + limit_s
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() >= deadline:
            raise TimeoutError("waited %.0f s for %s" % (limit_s, what))
        time.sleep(every_s)
