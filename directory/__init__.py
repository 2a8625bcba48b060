"""The c800 domain: models, validation, phone numbers, deep links and listing services.

Nothing in this package knows about Flask requests or search engines.
"""
