"""The law's clock: working days, the education obligation, transitions at 18 and 25,
readiness assessments."""
