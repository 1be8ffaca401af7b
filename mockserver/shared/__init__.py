"""State shared by several mock processes, on several hosts, through one Redis.

``connection`` reads a store URL and opens the client; ``store`` is the ``Store`` over Redis;
``journal``, ``faults`` and ``ratelimit`` share what tests assert on. Nothing here is imported
unless a mock is given ``--store redis://...``: the in-memory store needs no Redis client.
"""
