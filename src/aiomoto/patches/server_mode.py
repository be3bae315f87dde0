"""``aiomoto.patches.server_mode``: where the other aiomoto package (0.5.x)
defined ``AutoEndpointMode``; the same class as ``aiomoto.AutoEndpointMode``."""

from aiomoto._endpoint._auto_endpoint import AutoEndpointMode

__all__ = ["AutoEndpointMode"]
