"""``score_batch``: a table scored by a registry alias in chunks, logged like served traffic
(:mod:`ctloop.scoring`)."""
