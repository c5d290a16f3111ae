"""Synthetic demo data: towns, villages, grid cells and buildings drawn over a real district."""
