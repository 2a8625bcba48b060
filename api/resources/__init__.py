"""One flask-smorest Blueprint per resource, with the marshmallow schemas beside it."""
