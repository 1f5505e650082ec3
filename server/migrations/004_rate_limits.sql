-- Request counters shared by every API node, so a limit holds across nodes: one row per subject
-- ('user:<id>' for authenticated requests, 'ip:<address>' for requests whose key failed). A window
-- starts at the subject's first request after the previous one ended, by the database clock; a request
-- upserts the row and reads the count back in one statement, under the row's lock.

CREATE TABLE rate_windows (
  subject text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL
);
CREATE INDEX rate_windows_age ON rate_windows (window_start);
