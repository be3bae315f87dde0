"""The endpoint, and the other ways into Moto besides a client's handler.

Moto's server in this process, for native code and other processes
(``_server``); Python clients addressed to it, answered in-process
(``_addressing``); new clients pointed at it (``_auto_endpoint``); raw
aiohttp and httpx requests to AWS, answered by Moto (``_raw_http``).

May import: ``aiomoto._lifecycle``, ``aiomoto._internals``,
``aiomoto.exceptions`` and ``aiomoto.errors``.  Not the fast path or
compatibility: the parts do not import one another.
"""
