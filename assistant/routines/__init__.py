"""Routines: recaps of Slack channels posted on a schedule, exactly once per slot.

routine.py and schedule.py (what a routine is, when it runs), recap_policy.py (whose messages
may be repeated where), stores.py / store.py (Firestore, the due-query, one record per slot),
ticker.py (the minute tick), runner.py with window.py, writer.py, recap.py (one run),
tool.py, creation.py, actions.py, clicks.py, command.py (creating, confirming, listing,
cancelling in Slack), service.py (assembled for the responder).
"""
