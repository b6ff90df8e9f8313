"""Placeholder for `gridgov demo` until the experiment pipeline lands."""


def add_parser(sub) -> None:
    """Register nothing yet."""
