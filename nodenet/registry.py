"""Small registries of named parts (activations, losses), with "did you mean" on a miss."""

import difflib

from .errors import UnknownNameError

__all__ = ["Registry"]


class Registry:
    """Named objects of one kind, looked up by name.

    Parameters
    ----------
    kind : str
        What the registry holds, used in messages ("activation", "loss").
    plural : str, optional
        The plural of ``kind``; defaults to ``kind + "s"``.

    Examples
    --------
    >>> colours = Registry("colour")
    >>> colours.register("red", (1, 0, 0))
    >>> colours.get("red")
    (1, 0, 0)
    >>> colours.get("rde")
    Traceback (most recent call last):
    ...
    nodenet.errors.UnknownNameError: unknown colour 'rde' (did you mean 'red'?); known colours: red
    """

    def __init__(self, kind, plural=None):
        self.kind = kind
        self.plural = plural or kind + "s"
        self._items = {}

    def register(self, name, item):
        """Register ``item`` under ``name``, replacing any earlier one of that name."""
        if not isinstance(name, str) or not name:
            raise UnknownNameError(f"a {self.kind} name must be a non-empty string, got {name!r}")
        self._items[name] = item

    def get(self, name):
        """Return the item registered as ``name``; raise UnknownNameError listing the known names."""
        try:
            return self._items[name]
        except (KeyError, TypeError):
            raise UnknownNameError(self._unknown_message(name)) from None

    def names(self):
        """Return the registered names, in the order they were registered."""
        return list(self._items)

    def _unknown_message(self, name):
        known = self.names()
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown {self.kind} {name!r}{hint}; known {self.plural}: {', '.join(known)}"
