"""Shared test helpers: fresh databases, a real server process, a faulty TCP proxy and a
reference sync client that speaks the protocol the way the phone does."""
