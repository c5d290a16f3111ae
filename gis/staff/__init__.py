"""Staff of the merged team and their time-bounded cell assignments."""
