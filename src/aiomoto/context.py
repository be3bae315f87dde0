"""``aiomoto.context``: where the other aiomoto package (0.5.x) kept
``mock_aws`` and ``mock_aws_decorator``; the same objects as ``aiomoto``'s."""

from aiomoto import MockAWS, mock_aws, mock_aws_decorator

__all__ = ["MockAWS", "mock_aws", "mock_aws_decorator"]
