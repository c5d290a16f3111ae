"""Roads: the network dispatch routes on, built from the imported road lines."""
