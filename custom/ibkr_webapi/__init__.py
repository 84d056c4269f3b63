"""Asyncio client for the Interactive Brokers Web API."""
