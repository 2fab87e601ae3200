"""A queue total asked by many browsers at once is counted once (api/leads/totals.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from api.leads import totals
from api.leads.totals import Totals


class _Watched(totals._Counting):
    """A count in progress that tells the test when another thread waits for it."""

    someone_waits = threading.Event()

    def __init__(self) -> None:
        super().__init__()
        outer = self

        class Done(threading.Event):
            def wait(self, timeout: float | None = None) -> bool:
                outer.someone_waits.set()
                return super().wait(timeout)

        self.done = Done()


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    _Watched.someone_waits = threading.Event()
    monkeypatch.setattr(totals, "_Counting", _Watched)
    yield _Watched.someone_waits


def _ask(table: Totals, count: Callable[[], int], out: list[object]) -> threading.Thread:
    def run() -> None:
        try:
            out.append(table.count_once("key", count))
        except Exception as exc:
            out.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_second_asker_waits_for_the_count_in_progress(watched: threading.Event) -> None:
    table = Totals()
    counting, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow() -> int:
        calls.append("first")
        counting.set()
        assert release.wait(10)
        return 150  # under REMEMBER_FROM: not remembered, so the second got it by waiting

    answers: list[object] = []
    first = _ask(table, slow, answers)
    assert counting.wait(10)
    second = _ask(table, lambda: calls.append("second") or 7, answers)
    assert watched.wait(10)
    release.set()
    first.join(10)
    second.join(10)
    assert calls == ["first"]
    assert answers == [150, 150]
    # Nothing is left counting: the next asker counts again (a small total is not kept).
    assert table.count_once("key", lambda: 9) == 9


def test_when_the_count_fails_the_waiting_asker_counts_itself(watched: threading.Event) -> None:
    table = Totals()
    counting, release = threading.Event(), threading.Event()

    def failing() -> int:
        counting.set()
        assert release.wait(10)
        raise RuntimeError("the database went away")

    answers: list[object] = []
    first = _ask(table, failing, answers)
    assert counting.wait(10)
    second = _ask(table, lambda: 420, answers)
    assert watched.wait(10)
    release.set()
    first.join(10)
    second.join(10)
    assert isinstance(answers[0], RuntimeError)
    assert answers[1] == 420
    assert table.get("key") == 420
