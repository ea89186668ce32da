"""Data protection: the audit log and its trail, the need-to-know rule, row-level security,
retention, file maintenance."""
