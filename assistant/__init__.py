"""Shared code of the Slack assistant's three Cloud Functions, one module per concept.

Importing this package loads nothing heavy: each function imports only the modules it uses.
"""
