"""What the stations publish (``congress_portal.events``), for the layers above to follow."""

# A reception day was logged or its log corrected: ``day`` (saved), ``was_held`` (it had been
# logged before) and ``old_visitors`` (the residents counted before, 0 for a first log).
RECEPTION_DAY_LOGGED = "stations.reception_day_logged"
