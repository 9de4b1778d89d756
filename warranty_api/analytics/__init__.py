"""Failure rates, claim cycle times and service levels, and CSV exports of the brand's data."""
