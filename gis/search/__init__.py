"""Search: what a user typed, as typed places with a location (the map's search box)."""
