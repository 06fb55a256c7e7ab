"""What the meetings publish (``congress_portal.events``), for the layers above to follow."""

# A secret-ballot session closed: ``session``. Its votes (phones and paper) are final and may
# be counted from now on; nothing can be cast or entered afterwards.
BALLOT_SESSION_CLOSED = "meetings.ballot_session_closed"
