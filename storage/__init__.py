"""PostgreSQL projection of the claimtrack log, and the queries over it.

Depends on ``schemas`` only; it knows nothing of Kafka or faust.
"""
