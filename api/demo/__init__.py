"""Demo organisation for `terrain demo` and `terrain serve --demo`."""

from api.demo.data import DEMO_LOGINS, DEMO_PASSWORD
from api.demo.seed import DemoSummary, has_users, seed_demo

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "DemoSummary", "has_users", "seed_demo"]
