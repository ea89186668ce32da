"""The register: who the young people are (CPR, ages, the youth record, imports, status
history, who is a KUI youth)."""
