"""App webhook endpoints and their deliveries, and the inventory connection."""
