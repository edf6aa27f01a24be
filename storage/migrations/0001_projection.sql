-- The projection of the Kafka log. Every row can be rebuilt from the log.

CREATE TABLE articles (
    article_id   text PRIMARY KEY,
    source       text NOT NULL,
    title        text NOT NULL,
    outlet       text,
    url          text,
    published_at date,
    date_source  text NOT NULL,
    body_start   integer NOT NULL,
    body         text NOT NULL,
    event_id     text NOT NULL,
    recorded_at  timestamptz NOT NULL
);

CREATE TABLE actors (
    actor_id text PRIMARY KEY,
    name     text NOT NULL,
    side     text NOT NULL CHECK (side IN ('russia', 'nato', 'other'))
);

CREATE TABLE claims (
    claim_id          text PRIMARY KEY,
    statement_id      text NOT NULL,
    article_id        text NOT NULL,
    actor_id          text NOT NULL,
    topic             text NOT NULL,
    stance            text NOT NULL CHECK (stance IN ('support', 'conditional', 'oppose')),
    evidence          text NOT NULL,
    span_start        integer NOT NULL,
    span_end          integer NOT NULL,
    evidence_spans    jsonb NOT NULL,
    published_at      date,
    date_known        boolean NOT NULL,
    confidence        real NOT NULL,
    extractor_version text NOT NULL,
    event_id          text NOT NULL,
    recorded_at       timestamptz NOT NULL
);
CREATE INDEX claims_actor_topic ON claims (actor_id, topic, published_at);

-- Bitemporal position history. A row says: version `version` of the actor's
-- position on the topic held over valid time [valid_from, valid_to), and the
-- service believed so over transaction time [recorded_from, recorded_to).
-- Rows are never updated but to close them: a change closes the affected rows
-- (recorded_to) and inserts the corrected ones. Transaction times come from the
-- log, so a rebuild reproduces them exactly.
CREATE TABLE position_versions (
    actor_id          text NOT NULL,
    topic             text NOT NULL,
    version           integer NOT NULL CHECK (version >= 1),
    stance            text NOT NULL,
    previous_stance   text,
    valid_from        date NOT NULL,
    valid_to          date,
    reports           integer NOT NULL,
    statement_ids     text[] NOT NULL,
    claim_ids         text[] NOT NULL,
    extractor_version text NOT NULL,
    recorded_from     timestamptz NOT NULL,
    recorded_to       timestamptz,
    event_id          text NOT NULL,
    -- Two changes may share a log timestamp; the event tells their rows apart.
    PRIMARY KEY (actor_id, topic, version, recorded_from, event_id),
    CHECK (recorded_to IS NULL OR recorded_to >= recorded_from)
);
CREATE INDEX position_versions_open ON position_versions (actor_id, topic) WHERE recorded_to IS NULL;

-- Where the projection is in each topic partition: the next offset to read.
-- Written in the same transaction as the rows, so a restart resumes exactly.
CREATE TABLE projection_offsets (
    topic       text NOT NULL,
    partition   integer NOT NULL,
    next_offset bigint NOT NULL,
    PRIMARY KEY (topic, partition)
);
