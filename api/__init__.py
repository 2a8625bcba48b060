"""HTTP layer of c800: the Flask app factory, configuration, errors and one Blueprint per resource."""

from api.app import create_app

__all__ = ["create_app"]
