"""Orders as users describe them, client order ids and confirmation policies."""
