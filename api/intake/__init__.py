"""The public self-intake: one form definition (form.py), its JSON for the agent app's
hand-over mode, the server-rendered pages, abuse limits and attribution codes."""
