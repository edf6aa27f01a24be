-- Read models for analysts: what the service believes now, and at any time.

-- Every version as currently believed.
CREATE VIEW position_history AS
SELECT p.actor_id, a.name AS actor_name, a.side, p.topic, p.version, p.stance, p.previous_stance,
       p.valid_from, p.valid_to, p.reports, p.statement_ids, p.claim_ids, p.recorded_from
FROM position_versions p JOIN actors a USING (actor_id)
WHERE p.recorded_to IS NULL;

-- Each actor's current position on each topic.
CREATE VIEW current_positions AS
SELECT * FROM position_history WHERE valid_to IS NULL;

-- The history as the service believed it at `known_at` (transaction time).
CREATE FUNCTION position_history_known_at(known_at timestamptz)
RETURNS SETOF position_versions LANGUAGE sql STABLE AS $$
    SELECT * FROM position_versions
    WHERE recorded_from <= known_at AND (recorded_to IS NULL OR recorded_to > known_at)
$$;

-- The version valid on `valid_on` (valid time), as believed at `known_at`
-- (default: now, i.e. the current belief).
CREATE FUNCTION position_as_of(valid_on date, known_at timestamptz DEFAULT 'infinity')
RETURNS SETOF position_versions LANGUAGE sql STABLE AS $$
    SELECT * FROM position_history_known_at(known_at)
    WHERE valid_from <= valid_on AND (valid_to IS NULL OR valid_to > valid_on)
$$;
