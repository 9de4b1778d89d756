"""The request frame every endpoint shares: errors, pagination, parsing, auth, idempotency, throttles, queueing."""
