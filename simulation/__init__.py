"""gridgov: an agent-based simulation of generalist-grid community governance."""

__version__ = "0.1.0"
