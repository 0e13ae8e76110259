"""Command-line commands, one module per family; each offers ``register(subparsers)``."""
