"""Clear errors for calls Moto cannot answer.

Moto answers a request to an AWS host it has no handler for with a 404 whose
body is "Not yet implemented", which clients would report as a bare
``ClientError`` (404) or, for XML protocols, as an unparsable response; and
it raises ``NotImplementedError`` for operations of its services that it
lacks.  While a context is active the dispatcher -- which sees the event name
``before-send.SERVICE.OPERATION`` of every botocore and aiobotocore call --
raises ``NotImplementedError`` for that 404 too, and hands each
``NotImplementedError`` to :func:`explain`, whose error names the service and
the operation.
"""

from __future__ import annotations

from aiomoto.errors import NotImplementedByMotoError

_SERVICES_URL = "https://docs.getmoto.org/en/latest/docs/services/"


def _call_from_event(event_name: object) -> tuple[str, str] | None:
    if not isinstance(event_name, str):
        return None
    parts = event_name.split(".")
    if len(parts) < 3 or parts[0] != "before-send":
        return None
    return parts[1], parts[2]


def explain(event_name: object, error: BaseException) -> BaseException | None:
    """The error to raise instead of ``error``, or None to keep it.

    Called by the dispatcher with the handler's ``event_name`` whenever a
    botocore or aiobotocore call raised ``NotImplementedError`` in Moto.
    """
    call = _call_from_event(event_name)
    if call is None:
        return None
    service, operation = call
    if isinstance(error, NotImplementedByMotoError) and error.service is not None:
        return None
    detail = str(error) or type(error).__name__
    return NotImplementedByMotoError(
        f"Moto does not implement {service} {operation} ({detail}). aiomoto "
        "answers only what Moto implements -- see "
        f"{_SERVICES_URL} for its coverage. Stub this call in the test (for "
        "example with botocore.stub.Stubber on the client), or leave it out.",
        service,
        operation,
    )
