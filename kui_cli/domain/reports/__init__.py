"""Figures for management: shared measures, the overview, the monthly export, months and charts."""
