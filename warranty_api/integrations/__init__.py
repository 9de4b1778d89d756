"""Plain typed clients of the systems Aftersale talks to (inventory, Shopify, email)."""
