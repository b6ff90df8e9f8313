"""Command-line interface (placeholder until the core lands)."""


def main() -> int:
    """Entry point."""
    return 0
