"""Marshmallow schemas of the API, one module per resource: what each answer and body looks like."""
