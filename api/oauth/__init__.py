"""The OAuth2 authorization server (authlib): clients, tokens, sign-in and consent pages."""
