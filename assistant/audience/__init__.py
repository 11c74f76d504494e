"""Who can see an answer, and what each source may contribute for them (issue 22)."""
