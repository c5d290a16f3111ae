"""onegrid domain and persistence: cells, generations, people, incidents (no web code here)."""
