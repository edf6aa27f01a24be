-- Each position's current version as now believed: what `claimtrack positions` and the
-- current_positions view read, one row per position however long its history.
CREATE INDEX position_versions_current ON position_versions (actor_id, topic)
    WHERE recorded_to IS NULL AND valid_to IS NULL;
