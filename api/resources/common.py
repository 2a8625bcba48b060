"""What several resources share: the tags of the docs that group several resources (the
schemas' shared fields and rules are in api/schemas/common.py)."""

from __future__ import annotations

from api.smorest import Tag

# Groups of the docs several resources make: the consumers' side of reaching an enterprise
# (follows, experiences, contacts, callback requests), the enterprise's side of it, and accounts
# (me, claims, reports, listing status).
CONSUMERS = Tag("consumers", "Consumers: follow enterprises and their notices, report how a "
                             "contact went, share context with a contact, ask for a call back.")
SERVICE = Tag("service", "Serving consumers: live status, handoffs, callback requests and "
                         "insights (owners and editors), webhooks (owners).")
MANAGE = Tag("manage", "Enterprise self-service: keep your listing right (owners and editors).")

# People's accounts, their claims of listings and reports, and the administrators' queues.
ACCOUNTS = Tag("accounts", "Your account, claims of listings, reports, and administration.")
