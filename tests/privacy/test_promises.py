"""Every promise of shared/design/privacy-security.md, by name, with the tests that prove it.

The names: AC-1…4 as the document gives them; AU (authentication), IO (input and output),
SY (sync and storage), PD (personal data) numbered in the document's order. The held load
(HL-1) is measured by `python -m bench.load`, not asserted (performance.md). This file fails
when a named test disappears, and, where the document is at hand, when a promise of it has
no entry here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# id -> (words the promise starts with in the document, tests "path::function")
PROMISES: dict[str, tuple[str, list[str]]] = {
    "AC-1": (
        "An agent cannot read, change, delete or export",
        [
            "tests/test_scope_matrix.py::test_other_team_gets_nothing",
            "tests/funnel/test_scope_and_privacy.py::test_an_antwerp_coordinator_sees_no_brussels_lead",
            "tests/referrals/test_referrals.py::test_scope_other_team_gets_404_and_no_leak",
        ],
    ),
    "AC-2": (
        "Field-level",
        [
            "tests/sync/test_pull.py::test_lead_values_hold_agent_visible_fields_only",
            "tests/leads/test_router.py::test_markers_are_stored_but_never_shown",
            "tests/funnel/test_exports.py::test_markers_only_for_an_admin_who_asks",
        ],
    ),
    "AC-3": (
        "Mass assignment",
        [
            "tests/leads/test_router.py::test_mass_assignment_on_create_and_patch_changes_nothing",
            "tests/sync/test_push.py::test_mass_assignment_is_ignored",
            "tests/users/test_admin.py::test_update_user_ignores_mass_assignment_and_validates",
        ],
    ),
    "AC-4": (
        "Disabling a user or revoking a device",
        [
            "tests/users/test_login_security.py::test_disabled_user_cannot_log_in_and_its_token_dies",
            "tests/pwa/test_sync_client.py::test_a_device_revoked_with_wipe_deletes_its_local_data",
            "tests/agent/test_lock.py::test_a_revoked_device_wipes_itself_and_says_so",
        ],
    ),
    "AU-1": (
        "Passwords hashed with argon2id",
        [
            "tests/users/test_login_security.py::test_passwords_are_hashed_with_argon2id",
            "tests/users/test_admin.py::test_password_policy",
            "tests/users/test_login_security.py::test_five_failures_per_account_throttle_then_the_window_passes",
            "tests/users/test_login_security.py::test_five_failures_per_ip_throttle_every_account_from_it",
            "tests/privacy/test_two_instances.py::test_io_2_login_throttle_holds_across_instances",
        ],
    ),
    "AU-2": (
        "Tokens",
        [
            "tests/users/test_login_security.py::test_tokens_are_random_stored_hashed_and_never_read_from_the_url",
            "tests/users/test_admin.py::test_devices_listed_with_last_use_and_revoked_at_once",
            "tests/users/test_login_security.py::test_staff_sessions_expire_when_idle_agents_do_not",
        ],
    ),
    "AU-3": (
        "Agent devices",
        [
            "tests/agent/test_lock.py::test_idle_lock_wrong_pins_and_the_wipe",
            "tests/agent/test_street.py::test_a_day_offline_arrives_once",
        ],
    ),
    "IO-1": (
        "Every request body is validated",
        [
            "tests/leads/test_router.py::test_invalid_create_is_422_and_stores_nothing",
            "tests/leads/test_router.py::test_invalid_patch_changes_nothing",
            "tests/intake/test_abuse.py::test_body_over_16_kb_is_refused",
            "tests/privacy/test_two_instances.py::test_io_1_sync_body_limits_hold_on_both",
        ],
    ),
    "IO-2": (
        "Public intake",
        [
            "tests/intake/test_abuse.py::test_five_per_ten_minutes_then_a_429_page_in_the_language",
            "tests/intake/test_abuse.py::test_honeypot_is_accepted_silently_and_stores_nothing",
            "tests/intake/test_abuse.py::test_a_forged_forwarded_for_changes_nothing",
            "tests/privacy/test_two_instances.py::test_io_2_intake_limit_holds_across_instances",
        ],
    ),
    # The sweep of >= 200 payloads through every screen is phase 2 (issue 13); what exists:
    "IO-3": (
        "Stored XSS",
        [
            "tests/web/test_app.py::test_payloads_in_lead_fields_render_as_text",
            "tests/privacy/test_export.py::test_pd_3_the_readable_export_escapes_what_people_typed",
            "tests/funnel/test_exports.py::test_csv_and_xlsx_hold_the_same_neutralised_rows",
        ],
    ),
    "IO-4": (
        "Headers on every response",
        [
            "tests/privacy/test_hardening.py::test_io_4_security_headers_on_api_and_pages",
            "tests/privacy/test_hardening.py::test_io_4_cors_never_echoes_an_arbitrary_origin",
            "tests/privacy/test_hardening.py::test_io_4_only_trusted_proxies_speak_for_the_client",
            "tests/privacy/test_hardening.py::test_io_4_api_docs_are_off_in_production",
        ],
    ),
    # schemathesis inside the suite is the write-path engineer's (issue 8).
    "IO-5": ("schemathesis", []),
    "SY-1": (
        "Replaying any sync batch 5 times",
        [
            "tests/sync/test_live.py::test_replaying_a_batch_5_times_sequentially_creates_no_duplicates",
            "tests/sync/test_live.py::test_replaying_a_batch_5_times_concurrently_creates_no_duplicates",
            "tests/sync_stress/test_replay.py::test_replayed_batches_change_nothing",
        ],
    ),
    "SY-2": (
        "`kill -9` of the server",
        [
            "tests/sync_stress/test_kill.py::test_kill_during_sync_loses_and_duplicates_nothing",
        ],
    ),
    "SY-3": (
        "200 syncs through a loopback proxy",
        [
            "tests/sync_stress/test_proxy.py::test_syncs_through_a_faulty_network_converge",
        ],
    ),
    "SY-4": (
        "Durability settings",
        [
            "tests/test_db.py::test_durability_settings_hold_on_every_connection",
            "tests/test_db.py::test_durability_check_refuses_a_relaxed_database",
        ],
    ),
    "SY-5": (
        "20 concurrent writers",
        [
            "tests/privacy/test_concurrent_writers.py::test_sy_5_twenty_concurrent_writers_never_see_a_locked_database",
        ],
    ),
    "SY-6": (
        "Backup and restore",
        [
            "tests/test_backup.py::test_backup_then_restore_into_a_new_database_is_identical",
            "tests/privacy/test_backup_replay.py::test_erased_people_do_not_come_back_with_a_restore",
        ],
    ),
    "PD-1": (
        "Consent record for every lead",
        [
            "tests/leads/test_router.py::test_create_stores_lead_consent_and_first_followup",
            "tests/leads/test_router.py::test_migrant_background_needs_sensitive_consent",
            "tests/sync/test_push.py::test_sensitive_marker_needs_explicit_consent",
            "tests/privacy/test_consent.py::test_pd_1_withdrawal_from_the_phone_erases_the_markers",
            "tests/privacy/test_consent.py::test_pd_1_a_coordinator_withdraws_the_sensitive_marker_only",
            "tests/privacy/test_consent.py::test_pd_1_the_person_withdraws_on_their_own_page",
        ],
    ),
    "PD-2": (
        "Privacy notice",
        [
            "tests/intake/test_form.py::test_consent_version_follows_the_text",
            "tests/intake/test_form.py::test_form_in_every_language",
        ],
    ),
    "PD-3": (
        "Access export of one person",
        [
            "tests/privacy/test_export.py::test_pd_3_access_export_covers_every_personal_column",
            "tests/privacy/test_tags.py::test_every_text_column_is_tagged_personal_or_plain",
        ],
    ),
    "PD-4": (
        "Erasure",
        [
            "tests/privacy/test_erasure.py::test_pd_4_erasure_leaves_no_trace_anywhere",
            "tests/privacy/test_erasure.py::test_pd_4_an_offline_phone_cannot_bring_an_erased_person_back",
        ],
    ),
    "PD-5": (
        "Retention",
        [
            "tests/privacy/test_retention.py::test_pd_5_retention_purges_exactly_the_stale_leads",
        ],
    ),
    "PD-6": (
        "Audit",
        [
            "tests/audit/test_service.py::test_each_detail_view_writes_exactly_one_audit_row",
            "tests/audit/test_service.py::test_audit_rows_cannot_be_changed_or_deleted",
            "tests/privacy/test_audit_events.py::test_pd_6_role_changes_and_revocations_are_audited_once",
            "tests/privacy/test_requests.py::test_admins_browse_and_export_the_audit_trail",
        ],
    ),
    "PD-7": (
        "No personal data in logs",
        [
            "tests/privacy/test_logs.py::test_pd_7_errors_are_logged_without_their_message",
            "tests/privacy/test_logs.py::test_pd_7_access_lines_are_json_with_a_request_id_and_no_query",
            "tests/privacy/test_two_instances.py::test_pd_7_the_instances_logs_hold_no_canary",
            "tests/push/test_payload.py::test_payloads_hold_no_personal_data",
        ],
    ),
    "PD-8": (
        "Reports: no cell under 5",
        [
            "tests/funnel/test_scope_and_privacy.py::test_marker_breakdowns_hide_cells_under_five",
        ],
    ),
}


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_every_named_test_exists() -> None:
    missing = []
    for name, (_start, tests) in PROMISES.items():
        for ref in tests:
            path, function = ref.split("::")
            file = REPO / path
            if not file.exists() or function not in _functions(file):
                missing.append(f"{name}: {ref}")
    assert missing == []


def _document() -> Path | None:
    for folder in (REPO, *REPO.parents):
        candidate = folder / "shared" / "design" / "privacy-security.md"
        if candidate.exists():
            return candidate
    return None


def test_every_promise_of_the_document_has_a_name() -> None:
    doc = _document()
    if doc is None:
        pytest.skip("shared/design/privacy-security.md is not beside this checkout")
    bullets = [
        re.sub(r"^- (\*\*[A-Z]+-\d+\*\* )?", "", line)
        for line in doc.read_text().splitlines()
        if line.startswith("- ")
    ]
    starts = [start for start, _tests in PROMISES.values()]
    unnamed = [b[:60] for b in bullets if not any(s in b for s in starts)]
    assert unnamed == []
