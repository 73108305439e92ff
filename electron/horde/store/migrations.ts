import { hashApiKey } from './keys';
import { ANONYMOUS_API_KEY } from '../../../shared/api/common';

/**
 * Schema versions, applied in order once each (schema_migrations records
 * them). Never edit a released migration: add the next version.
 *
 * Money columns are integer milli-kudos. Times are epoch milliseconds from
 * the horde's clock.
 */
export const MIGRATIONS: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  alias TEXT NOT NULL,
  apikey_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  trusted INTEGER NOT NULL DEFAULT 0,
  flagged INTEGER NOT NULL DEFAULT 0,
  moderator INTEGER NOT NULL DEFAULT 0,
  tokens_used INTEGER NOT NULL DEFAULT 0,
  tokens_contributed INTEGER NOT NULL DEFAULT 0,
  text_requests INTEGER NOT NULL DEFAULT 0,
  interrogation_requests INTEGER NOT NULL DEFAULT 0,
  text_fulfilled INTEGER NOT NULL DEFAULT 0,
  interrogation_fulfilled INTEGER NOT NULL DEFAULT 0
);
INSERT INTO users (id, alias, apikey_hash, created_at) VALUES (0, 'Anonymous', '${hashApiKey(ANONYMOUS_API_KEY)}', 0);
-- The app's own account: its key is kept here (and only here in clear) so that
-- the app can find it again on every start; every other key is stored hashed.
CREATE TABLE local_owner (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  user_id INTEGER NOT NULL REFERENCES users(id),
  apikey TEXT NOT NULL
);

-- The ledger: append-only. Each row is one balanced event (JSON body as in shared/ledger/events.ts).
CREATE TABLE ledger_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE TRIGGER ledger_events_no_update BEFORE UPDATE ON ledger_events
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_events_no_delete BEFORE DELETE ON ledger_events
  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

-- Projections of the ledger, updated in the same transaction as the event.
CREATE TABLE balances (account TEXT PRIMARY KEY, balance INTEGER NOT NULL);
CREATE TABLE holds (hold_id TEXT PRIMARY KEY, account TEXT NOT NULL, amount INTEGER NOT NULL);
CREATE INDEX holds_account ON holds(account);
CREATE TABLE kudos_details (
  user_id INTEGER NOT NULL,
  category TEXT NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY (user_id, category)
);

CREATE TABLE workers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  owner_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  last_check_in INTEGER NOT NULL,
  uptime_s INTEGER NOT NULL DEFAULT 0,
  reward_uptime_s INTEGER NOT NULL DEFAULT 0,
  models TEXT NOT NULL DEFAULT '[]',
  forms TEXT NOT NULL DEFAULT '[]',
  max_length INTEGER NOT NULL DEFAULT 0,
  max_context_length INTEGER NOT NULL DEFAULT 0,
  threads INTEGER NOT NULL DEFAULT 1,
  bridge_agent TEXT NOT NULL DEFAULT 'unknown:0:unknown',
  nsfw INTEGER NOT NULL DEFAULT 0,
  maintenance INTEGER NOT NULL DEFAULT 0,
  maintenance_msg TEXT,
  paused INTEGER NOT NULL DEFAULT 0,
  info TEXT,
  kudos_generated INTEGER NOT NULL DEFAULT 0,
  kudos_uptime INTEGER NOT NULL DEFAULT 0,
  requests_fulfilled INTEGER NOT NULL DEFAULT 0,
  uncompleted_jobs INTEGER NOT NULL DEFAULT 0,
  tokens_generated INTEGER NOT NULL DEFAULT 0,
  seconds_working INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX workers_owner ON workers(owner_id);
CREATE INDEX workers_check_in ON workers(type, last_check_in);

-- Text waiting prompts. status: queued (n > 0, can be popped) | processing | done | faulted | cancelled | expired.
CREATE TABLE text_requests (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  prompt TEXT NOT NULL,
  params TEXT NOT NULL,
  models TEXT NOT NULL DEFAULT '[]',
  workers TEXT NOT NULL DEFAULT '[]',
  worker_blacklist INTEGER NOT NULL DEFAULT 0,
  softprompt TEXT,
  max_length INTEGER NOT NULL,
  max_context_length INTEGER NOT NULL,
  n INTEGER NOT NULL,
  jobs INTEGER NOT NULL,
  status TEXT NOT NULL,
  extra_priority INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  kudos_per_job INTEGER NOT NULL,
  consumed INTEGER NOT NULL DEFAULT 0,
  faults INTEGER NOT NULL DEFAULT 0,
  hold_id TEXT,
  hold_amount INTEGER NOT NULL DEFAULT 0,
  client_agent TEXT
);
-- Pop reads this index in order and stops at the first match.
CREATE INDEX text_requests_queue ON text_requests(status, extra_priority DESC, created_at);
CREATE INDEX text_requests_expiry ON text_requests(status, expires_at);
CREATE INDEX text_requests_user ON text_requests(user_id, status);

-- Processing generations. status: processing | done | faulted | aborted.
CREATE TABLE text_jobs (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES text_requests(id),
  worker_id TEXT NOT NULL REFERENCES workers(id),
  model TEXT NOT NULL,
  status TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  deadline INTEGER NOT NULL,
  submitted_at INTEGER,
  generation TEXT,
  state TEXT,
  seed INTEGER,
  gen_metadata TEXT,
  reward INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX text_jobs_request ON text_jobs(request_id);
CREATE INDEX text_jobs_deadline ON text_jobs(status, deadline);

-- Alchemy. status: active | cancelled | expired (forms carry their own state).
CREATE TABLE interrogations (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  source_blob TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  client_agent TEXT
);
CREATE INDEX interrogations_expiry ON interrogations(status, expires_at);

-- state: waiting | processing | done | faulted | cancelled.
CREATE TABLE interrogation_forms (
  id TEXT PRIMARY KEY,
  interrogation_id TEXT NOT NULL REFERENCES interrogations(id),
  name TEXT NOT NULL,
  payload TEXT,
  state TEXT NOT NULL,
  extra_priority INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  kudos INTEGER NOT NULL,
  worker_id TEXT,
  deadline INTEGER,
  aborts INTEGER NOT NULL DEFAULT 0,
  result TEXT,
  reward INTEGER NOT NULL DEFAULT 0,
  upload_token TEXT
);
CREATE INDEX forms_queue ON interrogation_forms(state, extra_priority DESC, created_at);
CREATE INDEX forms_deadline ON interrogation_forms(state, deadline);
CREATE INDEX forms_interrogation ON interrogation_forms(interrogation_id);

-- Images the horde keeps: interrogation sources and uploaded results.
CREATE TABLE blobs (
  id TEXT PRIMARY KEY,
  content_type TEXT NOT NULL,
  data BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
`,
  },
  {
    version: 2,
    sql: `
-- Pop by model: one row per (queued request, model it accepts; '' = any model),
-- present exactly while the request is queued. Pop walks (model, priority,
-- age) for each model the worker serves and stops at the first fit, so
-- requests for other models cost nothing however long the queue is.
CREATE TABLE text_queue (
  request_id TEXT NOT NULL REFERENCES text_requests(id),
  model TEXT NOT NULL,
  user_id INTEGER NOT NULL,
  extra_priority INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  max_length INTEGER NOT NULL,
  max_context_length INTEGER NOT NULL,
  targeted INTEGER NOT NULL,
  PRIMARY KEY (model, request_id)
);
CREATE INDEX text_queue_pop ON text_queue(model, extra_priority DESC, created_at);
CREATE INDEX text_queue_user ON text_queue(user_id, model);
CREATE INDEX text_queue_request ON text_queue(request_id);
INSERT INTO text_queue (request_id, model, user_id, extra_priority, created_at, max_length, max_context_length, targeted)
  SELECT r.id, COALESCE(m.value, ''), r.user_id, r.extra_priority, r.created_at, r.max_length, r.max_context_length, r.workers <> '[]'
  FROM text_requests r LEFT JOIN json_each(r.models) m WHERE r.status = 'queued';

-- Alchemy pops by form name the same way.
DROP INDEX forms_queue;
CREATE INDEX forms_queue ON interrogation_forms(state, name, extra_priority DESC, created_at);
`,
  },
  {
    version: 3,
    sql: `
-- The owner's key now lives only in the app's secret store; the horde keeps its hash.
ALTER TABLE local_owner DROP COLUMN apikey;
`,
  },
  {
    version: 4,
    sql: `
-- Every text/async needs the number of queued requests (the free-kudos threshold
-- depends on it). Counting them is O(queue); triggers keep the figure instead.
CREATE TABLE queue_counts (kind TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO queue_counts (kind, n) SELECT 'text', COUNT(*) FROM text_requests WHERE status = 'queued';
CREATE TRIGGER text_queued_insert AFTER INSERT ON text_requests WHEN NEW.status = 'queued'
BEGIN UPDATE queue_counts SET n = n + 1 WHERE kind = 'text'; END;
CREATE TRIGGER text_queued_delete AFTER DELETE ON text_requests WHEN OLD.status = 'queued'
BEGIN UPDATE queue_counts SET n = n - 1 WHERE kind = 'text'; END;
CREATE TRIGGER text_queued_update AFTER UPDATE OF status ON text_requests
  WHEN (OLD.status = 'queued') <> (NEW.status = 'queued')
BEGIN UPDATE queue_counts SET n = n + (CASE WHEN NEW.status = 'queued' THEN 1 ELSE -1 END) WHERE kind = 'text'; END;
`,
  },
  {
    // Numbered after its issue (18) so that other branches' next migrations (5, 6, ...) cannot collide with it.
    version: 18,
    sql: `
-- Image waiting prompts. status: queued (n > 0) | processing | done | faulted | cancelled | expired.
-- params: the request's params with the horde's defaults filled in (JSON); the seed is kept apart.
CREATE TABLE image_requests (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  prompt TEXT NOT NULL,
  params TEXT NOT NULL,
  models TEXT NOT NULL DEFAULT '[]',
  workers TEXT NOT NULL DEFAULT '[]',
  worker_blacklist INTEGER NOT NULL DEFAULT 0,
  nsfw INTEGER NOT NULL,
  censor_nsfw INTEGER NOT NULL,
  trusted_workers INTEGER NOT NULL,
  slow_workers INTEGER NOT NULL,
  extra_slow_workers INTEGER NOT NULL,
  r2 INTEGER NOT NULL,
  shared INTEGER NOT NULL DEFAULT 0,
  source_file TEXT,
  source_processing TEXT NOT NULL DEFAULT 'img2img',
  mask_file TEXT,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  steps INTEGER NOT NULL,
  sampler TEXT NOT NULL,
  seed INTEGER,
  seed_variation INTEGER,
  n INTEGER NOT NULL,
  jobs INTEGER NOT NULL,
  popped INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  extra_priority INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  kudos INTEGER NOT NULL,
  consumed INTEGER NOT NULL DEFAULT 0,
  taxed INTEGER NOT NULL DEFAULT 0,
  faults INTEGER NOT NULL DEFAULT 0,
  hold_id TEXT,
  hold_amount INTEGER NOT NULL DEFAULT 0,
  client_agent TEXT
);
CREATE INDEX image_requests_queue ON image_requests(status, extra_priority DESC, created_at);
CREATE INDEX image_requests_expiry ON image_requests(status, expires_at);

-- One row per image handed to a worker. status: processing | done | faulted | aborted.
CREATE TABLE image_jobs (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES image_requests(id),
  worker_id TEXT NOT NULL REFERENCES workers(id),
  model TEXT NOT NULL,
  idx INTEGER NOT NULL,
  seed INTEGER NOT NULL,
  status TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  deadline INTEGER NOT NULL,
  submitted_at INTEGER,
  upload_token TEXT,
  upload_expires_at INTEGER,
  uploaded INTEGER NOT NULL DEFAULT 0,
  file TEXT,
  state TEXT,
  censored INTEGER NOT NULL DEFAULT 0,
  gen_metadata TEXT,
  reward INTEGER NOT NULL DEFAULT 0,
  charge INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX image_jobs_request ON image_jobs(request_id);
CREATE INDEX image_jobs_deadline ON image_jobs(status, deadline);

ALTER TABLE workers ADD COLUMN max_pixels INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workers ADD COLUMN image_options TEXT NOT NULL DEFAULT '{}';
ALTER TABLE workers ADD COLUMN megapixelsteps_generated REAL NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN image_requests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN image_fulfilled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN megapixelsteps_generated REAL NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN megapixelsteps_used REAL NOT NULL DEFAULT 0;

INSERT INTO queue_counts (kind, n) VALUES ('image', 0);
CREATE TRIGGER image_queued_insert AFTER INSERT ON image_requests WHEN NEW.status = 'queued'
BEGIN UPDATE queue_counts SET n = n + 1 WHERE kind = 'image'; END;
CREATE TRIGGER image_queued_update AFTER UPDATE OF status ON image_requests
  WHEN (OLD.status = 'queued') <> (NEW.status = 'queued')
BEGIN UPDATE queue_counts SET n = n + (CASE WHEN NEW.status = 'queued' THEN 1 ELSE -1 END) WHERE kind = 'image'; END;
`,
  },
  {
    // Numbered after its issue (14), as image routes' 18 is, so parallel branches cannot collide.
    version: 14,
    sql: `
-- Fair kudos (issue 14). Users who exist already keep the trust they had in
-- practice (every reward spendable); new users start untrusted, the app's
-- owner trusted.
UPDATE users SET trusted = 1 WHERE id <> 0;

-- Uptime: a worker that completed a job in the last day counts its own uptime;
-- the others of one owner and kind share one count (uptime_pools).
ALTER TABLE workers ADD COLUMN last_completed_at INTEGER;
ALTER TABLE workers ADD COLUMN ipaddr TEXT;
ALTER TABLE workers ADD COLUMN aborts_since INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workers ADD COLUMN aborts_recent INTEGER NOT NULL DEFAULT 0;
CREATE TABLE uptime_pools (
  user_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  last_check_in INTEGER,
  uptime_s INTEGER NOT NULL DEFAULT 0,
  reward_uptime_s INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, type)
);

-- Which registered users acted from which address, and when last (flagging).
CREATE TABLE user_addresses (
  user_id INTEGER NOT NULL,
  ip TEXT NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (ip, user_id)
);
-- Transfers by untrusted senders, for the funnel rule.
CREATE TABLE new_account_transfers (
  from_id INTEGER NOT NULL,
  to_id INTEGER NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX new_account_transfers_to ON new_account_transfers(to_id, at);

-- Flags with their reason; users.flagged is 1 while one is open.
CREATE TABLE flags (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id),
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  cleared_at INTEGER
);
CREATE INDEX flags_open ON flags(user_id, code, cleared_at);

-- Anonymous fair share: queued requests per address.
ALTER TABLE text_requests ADD COLUMN client_ip TEXT;
ALTER TABLE interrogations ADD COLUMN client_ip TEXT;
CREATE INDEX text_requests_ip ON text_requests(client_ip, status);
CREATE INDEX interrogations_ip ON interrogations(client_ip, status);
`,
  },
  {
    // Club horde (issue 21).
    version: 21,
    sql: `
-- Invites: a one-time token (stored hashed, as keys are) that registers one
-- new member. Single use (used_at), bounded in time (expires_at), revocable.
CREATE TABLE club_invites (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_hash TEXT NOT NULL UNIQUE,
  note TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER,
  used_by INTEGER REFERENCES users(id),
  revoked_at INTEGER
);
-- The owner's choices for this horde (starting kudos, cap, who may join), as JSON values by name.
CREATE TABLE club_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
-- The owner looked at a flag and kept it (confirmed), or cleared it, with a reason.
ALTER TABLE flags ADD COLUMN confirmed_at INTEGER;
ALTER TABLE flags ADD COLUMN resolution TEXT;
`,
  },
  {
    // Numbered after its issue (20), as 14 and 18 are.
    version: 20,
    sql: `
-- Queue positions without counting the queue on every status poll (positions.ts).
-- Every change of what a queued text request contributes (count 1, tokens
-- max_length * n) is logged with its place in the order (priority, created_at):
-- a cached position is brought up to date from the changes since, not recounted.
-- AUTOINCREMENT: a seq is never reused after the log is pruned empty.
CREATE TABLE text_queue_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  extra_priority INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  dn INTEGER NOT NULL,
  dt INTEGER NOT NULL
);
CREATE TRIGGER text_log_insert AFTER INSERT ON text_requests WHEN NEW.status = 'queued'
BEGIN
  INSERT INTO text_queue_log (extra_priority, created_at, dn, dt)
  VALUES (NEW.extra_priority, NEW.created_at, 1, NEW.max_length * NEW.n);
END;
CREATE TRIGGER text_log_update AFTER UPDATE OF status, n, max_length, extra_priority, created_at ON text_requests
  WHEN OLD.status = 'queued' OR NEW.status = 'queued'
BEGIN
  INSERT INTO text_queue_log (extra_priority, created_at, dn, dt)
  SELECT OLD.extra_priority, OLD.created_at, -1, -OLD.max_length * OLD.n WHERE OLD.status = 'queued';
  INSERT INTO text_queue_log (extra_priority, created_at, dn, dt)
  SELECT NEW.extra_priority, NEW.created_at, 1, NEW.max_length * NEW.n WHERE NEW.status = 'queued';
END;
CREATE TRIGGER text_log_delete AFTER DELETE ON text_requests WHEN OLD.status = 'queued'
BEGIN
  INSERT INTO text_queue_log (extra_priority, created_at, dn, dt)
  VALUES (OLD.extra_priority, OLD.created_at, -1, -OLD.max_length * OLD.n);
END;
-- The first count of a position reads only this index (covering: no table row per request ahead).
DROP INDEX text_requests_queue;
CREATE INDEX text_requests_position ON text_requests(status, extra_priority DESC, created_at, max_length, n);
`,
  },
  {
    // Issue 20 again: fewer index writes per job.
    version: 22,
    sql: `
-- A text request's status changes twice a job (queued -> processing -> done), and every index
-- with the status in its key, or over every request, was rewritten both times. Each index now
-- holds the rows its queries look for, so a job's two moves leave them or pass them by, and
-- finished requests (most of the table, for good) are in none of them.
-- Positions count queued requests only.
DROP INDEX text_requests_position;
CREATE INDEX text_requests_position ON text_requests(extra_priority DESC, created_at, max_length, n)
  WHERE status = 'queued';
-- The sweep and its due time look for live requests only, by expiry.
DROP INDEX text_requests_expiry;
CREATE INDEX text_requests_expiry ON text_requests(expires_at) WHERE status IN ('queued', 'processing');
-- A user's requests are looked up by time (the ledger view, the club's member list), never by status.
DROP INDEX text_requests_user;
CREATE INDEX text_requests_user ON text_requests(user_id, created_at);
-- The fair share per address is for anonymous requests only.
DROP INDEX text_requests_ip;
CREATE INDEX text_requests_ip ON text_requests(client_ip, status) WHERE user_id = 0;
-- The pop index's rows come and go once a job each: five b-trees (the table, its primary key,
-- three indexes) were one too many. Keyed by request first, the primary key finds a request's
-- rows (the old text_queue_request did). Still a rowid table: requests of the same priority and
-- millisecond pop in the order they were queued, which the indexes' trailing rowid gives.
CREATE TABLE text_queue_v22 (
  request_id TEXT NOT NULL REFERENCES text_requests(id),
  model TEXT NOT NULL,
  user_id INTEGER NOT NULL,
  extra_priority INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  max_length INTEGER NOT NULL,
  max_context_length INTEGER NOT NULL,
  targeted INTEGER NOT NULL,
  PRIMARY KEY (request_id, model)
);
INSERT INTO text_queue_v22 (request_id, model, user_id, extra_priority, created_at, max_length, max_context_length, targeted)
  SELECT request_id, model, user_id, extra_priority, created_at, max_length, max_context_length, targeted
  FROM text_queue ORDER BY rowid;
DROP TABLE text_queue;
ALTER TABLE text_queue_v22 RENAME TO text_queue;
CREATE INDEX text_queue_pop ON text_queue(model, extra_priority DESC, created_at);
-- A priority user's own requests in queue order (the pop walks them without sorting them all).
CREATE INDEX text_queue_user ON text_queue(user_id, model, extra_priority DESC, created_at);
`,
  },
  {
    // Issue 20: users by API key remembered between requests (key-holders.ts).
    version: 23,
    sql: `
-- Changes whenever what an API key says about its user may have: the user's key, alias, trust,
-- flag or moderator bit, or the user itself, by any connection (the horde, its CLI). A new random
-- value rather than a count, so that a change rolled back and a later one cannot leave the same
-- value behind; 52 bits of one, which a JavaScript number holds. The running counters (tokens,
-- requests) are not part of it: they change on every job.
CREATE TABLE user_identity (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT INTO user_identity (id, version) VALUES (1, random() >> 12);
CREATE TRIGGER users_identity_update AFTER UPDATE OF apikey_hash, alias, trusted, flagged, moderator ON users
  BEGIN UPDATE user_identity SET version = random() >> 12 WHERE id = 1; END;
CREATE TRIGGER users_identity_delete AFTER DELETE ON users
  BEGIN UPDATE user_identity SET version = random() >> 12 WHERE id = 1; END;
`,
  },
];
