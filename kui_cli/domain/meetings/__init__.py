"""Teams and their meetings: recurrence, generated meetings, referrals and agendas."""
