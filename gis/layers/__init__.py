"""Departmental (legacy) grid layers and how they map onto the unified grid."""
