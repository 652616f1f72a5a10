"""Candor's Language Server (`candor lsp`): a front end over `reviewer`, registered as a `candor.commands` plugin.

The core never imports this package (an import-linter contract); it imports pygls only when the server runs.
"""
