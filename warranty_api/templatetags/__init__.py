"""Template tags of the Aftersale app."""
