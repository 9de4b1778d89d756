"""`make bench`: figures measured in one run and printed as ratios; nothing here asserts a time."""
