"""The frame of the staff workspace in Wagtail's admin: the current brand, who may do what, scoped screens."""
