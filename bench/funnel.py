"""P3: the funnel for 100,000 leads and 1,000,000 interactions, several groupings and
filters, against COUNT(*) over the same rows in the same run.

    python -m bench.funnel --db both [--leads 100000 --interactions 1000000 --repeat 20]

Two baselines, each timed interleaved with the funnel: COUNT(*) over the rows the funnel is
defined on (the viewer's leads under the filters, joined to their interactions: performance
.md "one COUNT(*) over the same tables"), and COUNT(*) over the leads alone, for context.
The funnel itself reads the leads only (the database keeps each lead's progress)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from api.funnel.service import funnel
from api.interactions.models import Interaction
from api.leads.filters import LeadFilters, visible_where
from api.leads.models import Lead
from bench.common import (
    backends,
    database_version,
    machine,
    parser,
    percentile,
    print_table,
    stage,
    write_json,
)
from bench.office_data import populate, vacuum
from sync.sqltypes import utcnow

SCENARIOS: list[tuple[str, str | None, LeadFilters]] = [
    ("whole funnel", None, LeadFilters()),
    ("by channel", "channel", LeadFilters()),
    ("by commune", "commune", LeadFilters()),
    ("by month (cohort)", "cohort", LeadFilters()),
    ("by gender (marker)", "gender", LeadFilters()),
    ("by agent, coffee stands", "agent", LeadFilters(channel="coffee_stand")),
    ("by language, 2026", "language", LeadFilters(first_touch_from=date(2026, 1, 1))),
    ("status new, one commune", "channel", LeadFilters(status=["new"], commune="Commune 03")),
]


def _timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - start) * 1000


def _count_join(session: Session, viewer: Any, filters: LeadFilters) -> int:
    where = visible_where(viewer, filters, now=utcnow())
    query = (
        select(func.count())
        .select_from(Lead)
        .join(Interaction, col(Interaction.lead_id) == col(Lead.id))
        .where(*where)
    )
    return int(session.execute(query).scalar_one())


def _count_leads(session: Session, viewer: Any, filters: LeadFilters) -> int:
    where = visible_where(viewer, filters, now=utcnow())
    return int(session.execute(select(func.count()).select_from(Lead).where(*where)).scalar_one())


def run(backend: str, args: Any) -> list[dict[str, Any]]:
    with stage(backend, args.pg_url, agents=8) as st:
        teams = list(st.seed.teams.values())
        agents = [p.id for p in st.seed.people.values() if p.role.value == "agent"]
        began = time.perf_counter()
        populate(st.engine, teams, agents, leads=args.leads, interactions=args.interactions)
        print(f"{backend}: seeded in {time.perf_counter() - began:.0f} s")
        results = []
        vacuum(st.engine)
        with Session(st.engine) as session:
            for viewer_name in ("coordinator", "admin"):
                viewer = st.seed[viewer_name]
                for label, group_by, filters in SCENARIOS:
                    funnel_ms, join_ms, lead_ms = [], [], []
                    for _ in range(args.repeat):  # interleaved: all see the same load
                        funnel_ms.append(
                            _timed(
                                funnel, session, actor=viewer, filters=filters, group_by=group_by
                            )
                        )
                        join_ms.append(_timed(_count_join, session, viewer, filters))
                        lead_ms.append(_timed(_count_leads, session, viewer, filters))
                    p95, base, leads_only = (
                        percentile(funnel_ms, 0.95),
                        percentile(join_ms, 0.95),
                        percentile(lead_ms, 0.95),
                    )
                    results.append(
                        {
                            "backend": backend,
                            "viewer": viewer_name,
                            "scenario": label,
                            "funnel_p50_ms": percentile(funnel_ms, 0.5),
                            "funnel_p95_ms": p95,
                            "count_join_p95_ms": base,
                            "count_leads_p95_ms": leads_only,
                            "ratio_to_count_join": p95 / base,
                            "ratio_to_count_leads": p95 / leads_only,
                        }
                    )
            version = database_version(st.engine)
        for r in results:
            r["database"] = version
        return results


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--leads", type=int, default=100_000)
    p.add_argument("--interactions", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=20)
    args = p.parse_args()
    rows: list[dict[str, Any]] = []
    for backend in backends(args.db):
        rows.extend(run(backend, args))
    print_table(
        [
            "db",
            "viewer",
            "scenario",
            "funnel p50",
            "funnel p95",
            "COUNT join p95",
            "ratio",
            "COUNT leads p95",
            "ratio",
        ],
        [
            [
                r["backend"],
                r["viewer"],
                r["scenario"],
                r["funnel_p50_ms"],
                r["funnel_p95_ms"],
                r["count_join_p95_ms"],
                r["ratio_to_count_join"],
                r["count_leads_p95_ms"],
                r["ratio_to_count_leads"],
            ]
            for r in rows
        ],
    )
    write_json(args.json_path, {"machine": machine(), "args": vars(args), "results": rows})


if __name__ == "__main__":
    main()
