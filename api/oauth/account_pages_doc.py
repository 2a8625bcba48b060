"""The OpenAPI entries of the hosted account pages (``api/oauth/account_pages.py``): HTML pages
for people in a browser, not for API clients, listed so that nothing served goes undocumented."""

from __future__ import annotations

FORM = "application/x-www-form-urlencoded"
HTML = {"text/html": {"schema": {"type": "string"}, "example": "<!DOCTYPE html>..."}}


def _string(description: str, example: str) -> dict:
    return {"type": "string", "description": description, "example": example}


def _page(status: int, description: str) -> dict:
    return {str(status): {"description": description, "content": HTML}}


def _form(fields: dict[str, tuple[str, str]], required: list[str]) -> dict:
    properties = {name: _string(text, example) for name, (text, example) in fields.items()}
    return {"required": True, "content": {FORM: {
        "schema": {"type": "object", "required": required, "properties": properties},
        "example": {name: example for name, (_text, example) in fields.items()}}}}


AUTHORIZATION_QUERY = {
    "in": "query", "name": "client_id", "required": False, "schema": {"type": "string"},
    "description": "The page is reached from the sign-in page with the authorization request's "
                   "whole query (client_id, redirect_uri, PKCE challenge, state ...): after the "
                   "mailed link, the browser goes back to that same authorization.",
    "example": "cl_3f9a0c2e5b7d41a8"}
TOKEN_QUERY = {"in": "query", "name": "token", "required": True,
               "schema": {"type": "string", "minLength": 1, "maxLength": 128},
               "description": "The secret of the mailed link (single use).",
               "example": "3q2-7wEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
PURPOSE_QUERY = {"in": "query", "name": "purpose", "required": False,
                 "schema": {"type": "string", "enum": ["verify", "email"]},
                 "description": "`verify` (a sign-up's address, the default) or `email` (a new "
                                "address of an e-mail change).", "example": "verify"}
CSRF = ("The page's CSRF token.", "p2s8Xo1...")
MAILED = {**_page(200, "The same answer whether or not an account has the address: check your "
                       "mail."),
          **_page(400, "The form's CSRF token is missing or wrong."),
          **_page(422, "The address is not one, or (sign-up) the password breaks the rules: "
                       "at least 10 characters and not guessable (zxcvbn score 3 of 4)."),
          "429": {"description": "Too many links asked: 3 an hour per e-mail address, 20 an hour "
                                 "per client IP. `Retry-After` says how long.", "content": HTML,
                  "headers": {"Retry-After": {"description": "Seconds to wait.",
                                              "schema": {"type": "integer"}, "example": 1800}}},
          **_page(503, "The mail could not be sent; try again later.")}


def document_account_pages(spec, app) -> None:  # noqa: ANN001 - an apispec.APISpec, a Flask app
    rules = {rule.rule: rule for rule in app.url_map.iter_rules()}
    tags = ["accounts"]
    signup_form = _form({"csrf": CSRF, "email": ("The address to sign up with.", "grace@example.com"),
                         "password": ("The new account's password.", "tangerine lighthouse 7 quietly")},
                        ["csrf", "email", "password"])
    spec.path(rule=rules["/oauth/signup"], operations={
        "get": {"tags": tags, "summary": "The sign-up page", "parameters": [AUTHORIZATION_QUERY],
                "description": "E-mail and password, from the sign-in page's link.",
                "responses": _page(200, "The sign-up form.")},
        "post": {"tags": tags, "summary": "Sign up", "parameters": [AUTHORIZATION_QUERY],
                 "description": "Keeps an unverified account and mails a single-use link (24 h) "
                                "that verifies the address, signs the browser in and returns to "
                                "the authorization. An address with an account is mailed a "
                                "notice instead; the page answers the same.",
                 "requestBody": signup_form, "responses": MAILED}})
    spec.path(rule=rules["/oauth/forgot"], operations={
        "get": {"tags": tags, "summary": "The forgotten-password page",
                "parameters": [AUTHORIZATION_QUERY], "description": "Asks for the address.",
                "responses": _page(200, "The form.")},
        "post": {"tags": tags, "summary": "Mail a password reset link",
                 "parameters": [AUTHORIZATION_QUERY],
                 "description": "Mails a single-use link (30 minutes) when a verified account has "
                                "the address; the page answers the same either way.",
                 "requestBody": _form({"csrf": CSRF, "email": ("The account's address.",
                                                               "ada@example.com")}, ["csrf", "email"]),
                 "responses": MAILED}})
    spec.path(rule=rules["/oauth/verify"], operations={
        "get": {"tags": tags, "summary": "The page an address-verification link opens",
                "parameters": [TOKEN_QUERY, PURPOSE_QUERY],
                "description": "A sign-up's link asks for the password chosen at that sign-up; "
                               "an e-mail change's shows a button. Opening the link changes "
                               "nothing by itself.",
                "responses": {**_page(200, "The confirmation page."),
                              **_page(400, "No token, or an unknown purpose.")}},
        "post": {"tags": tags, "summary": "Verify the address",
                 "parameters": [TOKEN_QUERY, PURPOSE_QUERY],
                 "description": "A sign-up's link verifies the account, signs the browser in and "
                                "redirects to the authorization it came from; an e-mail change's "
                                "link moves the account to the new address and tells the old one.",
                 "requestBody": _form({"csrf": CSRF, "password": (
                     "The password chosen at this sign-up (purpose `verify`).",
                     "tangerine lighthouse 7 quietly")}, ["csrf"]),
                 "responses": {
                     "303": {"description": "Back to the authorization, signed in.",
                             "headers": {"Location": {"description": "The authorization request.",
                                                      "schema": {"type": "string"},
                                                      "example": "/oauth/authorize?client_id=cl_app"}}},
                     **_page(200, "Verified (no authorization to return to)."),
                     **_page(400, "No token, or the CSRF token is missing or wrong."),
                     **_page(403, "Not the password chosen at this sign-up (the link stays "
                                  "usable; wrong ones are throttled)."),
                     **_page(409, "Another account took the new address meanwhile."),
                     **_page(422, "The link expired or was used already.")}}})
    spec.path(rule=rules["/oauth/reset"], operations={
        "get": {"tags": tags, "summary": "The page a password reset link opens",
                "parameters": [TOKEN_QUERY], "description": "The new password's form.",
                "responses": {**_page(200, "The form."),
                              **_page(400, "The link is unknown, expired or used.")}},
        "post": {"tags": tags, "summary": "Set a new password", "parameters": [TOKEN_QUERY],
                 "description": "Sets the password and ends every browser session and token of "
                                "the account; the link is used up.",
                 "requestBody": _form({"csrf": CSRF, "password": ("The new password.",
                                                                  "tangerine lighthouse 7 quietly")},
                                      ["csrf", "password"]),
                 "responses": {**_page(200, "Changed: sign in again."),
                               "303": {"description": "Changed: back to the authorization the "
                                                      "reset was asked from, to sign in again.",
                                       "headers": {"Location": {
                                           "description": "The authorization request.",
                                           "schema": {"type": "string"},
                                           "example": "/oauth/authorize?client_id=cl_app"}}},
                               **_page(400, "The link is unknown, expired or used, or the CSRF "
                                            "token is missing or wrong."),
                               **_page(422, "The password breaks the rules.")}}})
