"""Errors finacct raises for input it cannot read at all."""


class UnreadableError(Exception):
    """The input cannot be read as a disclosure: the message is one line saying why."""
