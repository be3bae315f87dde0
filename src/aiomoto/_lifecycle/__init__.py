"""The lifecycle: what an aiomoto context holds and does to the process.

The process state -- nesting depth, activation, the locks (``_state``); the
environment set aside while a context is active (``_environment``); clients
that outlive their context (``_lifetime``); ``aiomoto.reset`` (``_reset``);
Moto's own mock kept apart (``_mixed``); SQS waits answered on the event
loop (``_waits``).  ``aiomoto.mock`` and ``aiomoto._patches`` use them at
each enter and exit.

May import: ``aiomoto._engine``, ``aiomoto._internals`` and ``aiomoto.errors``.
Every part above it may import it.
"""
