"""Pure rules: quiet-hour spans, Retry-After, the allow-list's entries."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from api.push.allowlist import EndpointRefused, check_endpoint
from api.push.quiet import in_quiet_hours, quiet_until
from api.push.worker import retry_after_s


@pytest.mark.parametrize(
    ("at", "start", "end", "quiet"),
    [
        (time(23), time(22), time(7), True),
        (time(6, 59), time(22), time(7), True),
        (time(7), time(22), time(7), False),
        (time(12), time(22), time(7), False),
        (time(13), time(12), time(14), True),
        (time(14), time(12), time(14), False),
        (time(13), None, None, False),
    ],
)
def test_quiet_hours_over_midnight(at: time, start: time, end: time, quiet: bool) -> None:
    assert in_quiet_hours(at, start, end) is quiet


def test_quiet_until_is_the_next_end_in_brussels_time() -> None:
    late = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # 23:30 in Brussels, before the DST night
    assert quiet_until(late, time(22), time(7)) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    assert quiet_until(datetime(2026, 1, 5, 12, tzinfo=UTC), time(22), time(7)) is None


def test_retry_after_seconds_or_date() -> None:
    now = datetime(2026, 1, 5, 12, tzinfo=UTC)
    assert retry_after_s("120", now) == 120
    assert retry_after_s("Mon, 05 Jan 2026 12:02:00 GMT", now) == 120
    assert retry_after_s("soon", now) is None and retry_after_s(None, now) is None


@pytest.mark.parametrize(
    ("allowed", "endpoint", "ok"),
    [
        ("*.notify.windows.com", "https://wns2-par02p.notify.windows.com/w/?token=x", True),
        ("*.notify.windows.com", "https://notify.windows.com/w/", False),
        ("*.notify.windows.com", "https://evilnotify.windows.com/w/", False),
        ("127.0.0.1:8123", "http://127.0.0.1:8123/push/x", True),
        ("127.0.0.1:8123", "http://127.0.0.1:8124/push/x", False),
        ("[::1]:8123", "http://[::1]:8123/push/x", True),
        ("10.0.0.5:8123", "http://10.0.0.5:8123/push/x", False),  # http only to loopback
        ("fcm.googleapis.com", "https://FCM.googleapis.com/fcm/send/x", True),
        ("fcm.googleapis.com", "https://fcm.googleapis.com:443/fcm/send/x", True),
        ("fcm.googleapis.com", "https://fcm.googleapis.com/x#frag", False),
    ],
)
def test_allow_list_entries(allowed: str, endpoint: str, ok: bool) -> None:
    if ok:
        assert check_endpoint(endpoint, allowed) == endpoint
    else:
        with pytest.raises(EndpointRefused):
            check_endpoint(endpoint, allowed)
