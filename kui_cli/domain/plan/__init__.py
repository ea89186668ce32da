"""The one plan: who owns it, the coordinator, goals and efforts, what reaches the plan owner,
the youth's own copy."""
