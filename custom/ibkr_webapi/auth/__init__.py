"""How requests are authenticated and the session kept alive: bearer tokens, the keepalive."""
