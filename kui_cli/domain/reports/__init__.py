"""Figures for management: shared measures, the overview, the monthly export and months (the
overview's page with its charts is `render.overview_page`'s)."""
