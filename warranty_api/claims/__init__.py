"""Claims: service levels and risk signals (the rest moves here with the layout)."""
