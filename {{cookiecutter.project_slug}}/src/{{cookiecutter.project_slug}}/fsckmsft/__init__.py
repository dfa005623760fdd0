"""The platform edge: everything that speaks to fsckmsft.

- token_endpoint: the OAuth token endpoint (code exchange, refresh), via Authlib.
- token_response: validates what the token endpoint answers.
- token_service: the one refresh path (locks, storage, re-authorization).
- api: the API client that never lets a user meet an avoidable 401.
- errors: the typed errors views turn into pages.
- registration_rules: what a registration may hold, and the scope catalogue (stdlib only).
"""
