"""Readers for the files users bring: detect encoding and conventions, parse, validate."""
