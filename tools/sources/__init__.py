"""Readers of the shared data sets that tools/build_directory_data.py merges into listings.

Each data set has its own module (nsi.py, justdeleteme.py); common.py holds what they share:
the date each source was read, registrable domains, channel records and listing merges.
"""
