"""The OAuth2 authorization server (authlib): grants, token checks, sign-in and consent pages.

Its clients, codes and tokens are stored by ``directory/credentials.py``.
"""
