"""Verdicts on raw records: the oracle, views/validation.py and views/parse.py agree."""
