"""``aiomoto.patches``: module paths of the other aiomoto package (0.5.x) that
its users import from; see ``aiomoto.patches.server_mode``."""
