"""One module per page; each has ``render()`` and calls services only."""
