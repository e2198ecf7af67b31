"""One module per page; importing this package registers every `@dash.callback`."""

from callbacks import overview  # noqa: F401
