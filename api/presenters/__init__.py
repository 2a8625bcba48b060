"""Presenters: domain results turned into the answers the schemas describe, one module per resource."""
