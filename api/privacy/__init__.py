"""Data-subject rights: access export, rectification, erasure, consent withdrawal, the
register of requests, retention, the audit trail's pseudonyms."""
