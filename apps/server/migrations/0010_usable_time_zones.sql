-- A store's time zone must be one both PostgreSQL and JavaScript's Intl understand: an IANA
-- name (or UTC/GMT). PostgreSQL also accepts POSIX strings such as 'UTC+3' (its sign inverted
-- from what a person means) that Intl refuses, and a device of such a store failed on every
-- turn and walk-in (the mutation could not compute its business day). Stores signed up with
-- one are repaired to UTC (the settings change bumps the store version through
-- stores_before_write, so devices pull it), and the shape is a constraint from now on; the
-- trigger already refuses names PostgreSQL does not know. Same pattern as the domain's
-- isValidTimeZone (packages/domain/src/time.ts).
UPDATE stores SET time_zone = 'UTC'
 WHERE time_zone !~ '^(UTC|GMT|[A-Za-z][A-Za-z_]*(/[A-Za-z0-9][A-Za-z0-9_+-]*)+)$';

ALTER TABLE stores ADD CONSTRAINT stores_time_zone_iana
  CHECK (time_zone ~ '^(UTC|GMT|[A-Za-z][A-Za-z_]*(/[A-Za-z0-9][A-Za-z0-9_+-]*)+)$'
         AND length(time_zone) <= 64);
