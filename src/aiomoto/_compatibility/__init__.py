"""Compatibility: where the libraries beneath aiomoto may fall short.

The probe that aiobotocore's async emitter is still told apart, before the
dispatcher goes in (``_canary``), and clear errors for calls Moto does not
implement (``_unimplemented``).  The version gate (``aiomoto._versions``)
and the third-party names (``aiomoto._internals``) serve compatibility too,
but stand beneath every part: ``aiomoto._internals`` imports the gate.

May import: ``aiomoto._engine``, ``aiomoto._internals`` and ``aiomoto.errors``.
Not the fast path or the endpoint: the parts do not import one another.
"""
