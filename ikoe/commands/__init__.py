"""Subcommands of ``ikoe``: one module each, discovered by :mod:`ikoe.cli`."""
