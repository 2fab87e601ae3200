"""days in stage

Whole days in each stage, kept on the lead by the progress triggers (which this migration
replaces), so the funnel's median days group small integers instead of parsing times for
every lead (performance.md P3). The SQL is written out here so this migration never changes.

Revision ID: e483f4fc2011
Revises: 8d5b8a3070f6
Create Date: 2026-12-04 19:14:43.093086
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e483f4fc2011"
down_revision: str | None = "8d5b8a3070f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_COLUMNS = ("days_in_new", "days_in_contacted", "days_in_qualified", "days_in_applied")
_FORWARD = "'contacted', 'qualified', 'applied', 'financed', 'coached'"
_CONTACT_KINDS = "'call', 'visit', 'appointment'"
_STAGES = {
    "contacted_at": _FORWARD,
    "qualified_at": "'qualified', 'applied', 'financed', 'coached'",
    "applied_at": "'applied', 'financed', 'coached'",
    "financed_at": "'financed'",
    "coached_at": "'coached'",
    "referred_at": "'referred'",
    "not_eligible_at": "'not_eligible'",
    "unreachable_at": "'unreachable'",
    "withdrawn_at": "'withdrawn'",
}
_RELEVANT = f"'status_change', {_CONTACT_KINDS}"
_DECISION = (
    "CASE WHEN financed_at IS NULL THEN coached_at WHEN coached_at IS NULL THEN financed_at "
    "WHEN financed_at < coached_at THEN financed_at ELSE coached_at END"
)


def _seconds(at: str, sqlite: bool) -> str:
    if sqlite:
        return f"CAST(strftime('%s', {at}) AS INTEGER)"
    return f"CAST(floor(extract(epoch FROM {at})) AS BIGINT)"


def _days(start: str, end: str, sqlite: bool) -> str:
    """Whole days from start to end counted on whole seconds, 0 if end comes first."""
    span = f"({_seconds(end, sqlite)} - {_seconds(start, sqlite)})"
    return f"CASE WHEN {span} < 0 THEN 0 ELSE {span} / 86400 END"


def _days_sql(lead_ref: str, sqlite: bool) -> str:
    spans = (
        ("first_touch_at", "contacted_at"),
        ("contacted_at", "qualified_at"),
        ("qualified_at", "applied_at"),
        ("applied_at", _DECISION),
    )
    sets = [
        f"{column} = {_days(a, b, sqlite)}" for column, (a, b) in zip(_COLUMNS, spans, strict=True)
    ]
    return f"UPDATE lead SET {', '.join(sets)} WHERE lead.id = {lead_ref}"


def _refresh_sql(lead_ref: str) -> str:
    def first(condition: str) -> str:
        return (
            "(SELECT min(i.occurred_at) FROM interaction i WHERE i.lead_id = lead.id "
            f"AND i.voided_at IS NULL AND {condition})"
        )

    sets = [
        f"{column} = " + first(f"i.kind = 'status_change' AND i.to_status IN ({statuses})")
        for column, statuses in _STAGES.items()
    ]
    sets.append(
        "first_contact_at = "
        + first(
            f"(i.kind IN ({_CONTACT_KINDS}) OR "
            f"(i.kind = 'status_change' AND i.to_status IN ({_FORWARD})))"
        )
    )
    return f"UPDATE lead SET {', '.join(sets)} WHERE lead.id = {lead_ref}"


def _insert_sql(new: str) -> str:
    def earlier(column: str, condition: str) -> str:
        return (
            f"{column} = CASE WHEN {condition} AND ({column} IS NULL OR "
            f"{new}.occurred_at < {column}) THEN {new}.occurred_at ELSE {column} END"
        )

    status = f"{new}.kind = 'status_change' AND {new}.to_status IN "
    sets = [earlier(column, f"{status}({statuses})") for column, statuses in _STAGES.items()]
    sets.append(
        earlier("first_contact_at", f"({new}.kind IN ({_CONTACT_KINDS}) OR ({status}({_FORWARD})))")
    )
    return f"UPDATE lead SET {', '.join(sets)} WHERE lead.id = {new}.lead_id"


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        for column in _COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
    sqlite = op.get_bind().dialect.name == "sqlite"
    _drop_triggers(sqlite)
    _create_triggers(sqlite, days=True)
    op.execute(_days_sql("lead.id", sqlite))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Triggers first: SQLite rebuilds the lead table to drop columns.
    _drop_triggers(sqlite)
    with op.batch_alter_table("lead", schema=None) as batch_op:
        for column in reversed(_COLUMNS):
            batch_op.drop_column(column)
    _create_triggers(sqlite, days=False)


def _create_triggers(sqlite: bool, *, days: bool) -> None:
    """The progress triggers; with `days`, each also updates the days in stage."""

    def then(lead_ref: str) -> str:
        return f"; {_days_sql(lead_ref, sqlite)}" if days else ""

    if sqlite:
        op.execute(
            "CREATE TRIGGER interaction_progress_insert AFTER INSERT ON interaction "
            f"WHEN NEW.kind IN ({_RELEVANT}) AND NEW.voided_at IS NULL BEGIN "
            f"{_insert_sql('NEW')}{then('NEW.lead_id')}; END"
        )
        op.execute(
            "CREATE TRIGGER interaction_progress_update AFTER UPDATE OF "
            "lead_id, kind, to_status, occurred_at, voided_at ON interaction BEGIN "
            f"{_refresh_sql('NEW.lead_id')}{then('NEW.lead_id')}; "
            f"{_refresh_sql('OLD.lead_id')}{then('OLD.lead_id')}; END"
        )
        op.execute(
            "CREATE TRIGGER interaction_progress_delete AFTER DELETE ON interaction "
            f"WHEN OLD.kind IN ({_RELEVANT}) BEGIN "
            f"{_refresh_sql('OLD.lead_id')}{then('OLD.lead_id')}; END"
        )
        if days:
            op.execute(
                "CREATE TRIGGER lead_first_touch_days AFTER UPDATE OF first_touch_at ON lead "
                f"BEGIN {_days_sql('NEW.id', True)}; END"
            )
        return
    op.execute(
        "CREATE FUNCTION lead_progress_refresh(target uuid) RETURNS void LANGUAGE sql AS "
        f"$$ {_refresh_sql('target')}{then('target')} $$"
    )
    op.execute(
        "CREATE FUNCTION interaction_progress() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN "
        f"IF NEW.kind IN ({_RELEVANT}) AND NEW.voided_at IS NULL THEN "
        f"{_insert_sql('NEW')}{then('NEW.lead_id')}; END IF; "
        "RETURN NULL; END IF; "
        f"IF NEW.kind IN ({_RELEVANT}) OR OLD.kind IN ({_RELEVANT}) THEN "
        "PERFORM lead_progress_refresh(NEW.lead_id); END IF; "
        "IF TG_OP = 'DELETE' OR OLD.lead_id <> NEW.lead_id THEN "
        "PERFORM lead_progress_refresh(OLD.lead_id); END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER interaction_progress AFTER INSERT OR DELETE OR UPDATE OF "
        "lead_id, kind, to_status, occurred_at, voided_at ON interaction "
        "FOR EACH ROW EXECUTE FUNCTION interaction_progress()"
    )
    if days:
        op.execute(
            "CREATE FUNCTION lead_first_touch_days() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_days_sql('NEW.id', False)}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER lead_first_touch_days AFTER UPDATE OF first_touch_at ON lead "
            "FOR EACH ROW EXECUTE FUNCTION lead_first_touch_days()"
        )


def _drop_triggers(sqlite: bool) -> None:
    if sqlite:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS interaction_progress_{name}")
        op.execute("DROP TRIGGER IF EXISTS lead_first_touch_days")
        return
    op.execute("DROP TRIGGER IF EXISTS interaction_progress ON interaction")
    op.execute("DROP TRIGGER IF EXISTS lead_first_touch_days ON lead")
    op.execute("DROP FUNCTION IF EXISTS interaction_progress()")
    op.execute("DROP FUNCTION IF EXISTS lead_progress_refresh(uuid)")
    op.execute("DROP FUNCTION IF EXISTS lead_first_touch_days()")
