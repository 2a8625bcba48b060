"""Helpers the test modules share (clients signed in, OAuth flows, servers the tests start).

Record builders are in tests/factories.py, fixtures in the conftest.py files; no test module
imports from another test module.
"""
