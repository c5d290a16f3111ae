"""The `onegrid` command line."""
