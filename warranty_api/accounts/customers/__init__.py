"""The tenant's record of each customer and the customer data requests (export, erasure)."""
