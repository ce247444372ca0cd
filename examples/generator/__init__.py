"""The seeded generators of the shipped SYNTHETIC example files (not part of the package).

Run them with ``python scripts/make_example_data.py``; ``impact`` writes the 2016-19 DfE tables
and rosters, ``focus`` the focus pupil files and PAG table, ``recent`` the 2022-23 and 2024-25
wide files, the Explore Education Statistics files and the 2023-24 roster.
"""
