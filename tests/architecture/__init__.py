"""Tests of the code's own structure: the import rules between packages."""
