"""Grid generations and cells (the unified grid, versioned MapIt-style)."""
