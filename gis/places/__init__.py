"""Places with rules: electronic fences and cameras."""
