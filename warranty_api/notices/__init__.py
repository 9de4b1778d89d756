"""Recall and safety notices to the registered owners of affected units."""
