"""Community requests for the platform: status moves, duplicates, the tally and filing."""
