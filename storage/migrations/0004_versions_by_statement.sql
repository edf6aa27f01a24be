-- A version row names the statements behind it, no longer every claim: the claims
-- of a statement are in `claims`, found by (actor_id, topic, statement_id). A row
-- that listed every claim grew with the reports an actor had gathered, and a row is
-- written for every corroboration.
DROP VIEW current_positions;
DROP VIEW position_history;
ALTER TABLE position_versions DROP COLUMN claim_ids;

-- Every version as currently believed.
CREATE VIEW position_history AS
SELECT p.actor_id, a.name AS actor_name, a.side, p.topic, p.version, p.stance, p.previous_stance,
       p.valid_from, p.valid_to, p.reports, p.statement_ids, p.recorded_from
FROM position_versions p JOIN actors a USING (actor_id)
WHERE p.recorded_to IS NULL;

-- Each actor's current position on each topic.
CREATE VIEW current_positions AS
SELECT * FROM position_history WHERE valid_to IS NULL;

-- The claims behind a version: every report of its statements, earliest first.
CREATE INDEX claims_statement ON claims (actor_id, topic, statement_id, published_at, article_id);
