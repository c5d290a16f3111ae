"""Users, roles, area scopes, API keys and the access log of person reads."""
