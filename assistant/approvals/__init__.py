"""Write tools wait for the asker's click: pending calls, their card, the click, the store."""
