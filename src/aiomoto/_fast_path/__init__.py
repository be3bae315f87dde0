"""The fast path: speed-ups that give the answers Moto's own code gives.

Which pieces are on, and why (``_pieces``); Moto's routing, done once
(``_routing``); Moto's normalized request, built directly
(``_moto_request``); memos of botocore and Moto functions (``_memo``);
session data loaded once per process (``_session_data``); event emission
without a coroutine per handler (``_async_emit``).

May import: ``aiomoto._lifecycle`` and ``aiomoto._internals``.  Not the
endpoint or compatibility: the parts do not import one another.
"""
