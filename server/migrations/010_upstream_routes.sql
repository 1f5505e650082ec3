-- Upstream providers: a job's route is the providers it may run on, in order ('local' is this server's
-- workers); route_step is the one it is on now. A provider that fails hands the job to the next step and
-- leaves a line in route_log. provider is who ran it; requested_model is the id the client sent (what an
-- upstream is asked for) and local_model the id our own package runs it under.
ALTER TABLE jobs ADD COLUMN route jsonb;
ALTER TABLE jobs ADD COLUMN route_step integer NOT NULL DEFAULT 0 CHECK (route_step >= 0);
ALTER TABLE jobs ADD COLUMN route_log jsonb NOT NULL DEFAULT '[]';
ALTER TABLE jobs ADD COLUMN provider text;
ALTER TABLE jobs ADD COLUMN requested_model text;
ALTER TABLE jobs ADD COLUMN local_model text;

-- Which worker process claimed the job last (`host:pid`), for operators following a job through a
-- scaled-out deployment.
ALTER TABLE jobs ADD COLUMN claimed_by text;
