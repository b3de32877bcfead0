-- A push's audit row stays in its own page (issue 19, session 8, part 2). With the default
-- storage (EXTENDED) PostgreSQL compresses `mutations` and then, when the row is still over
-- ~2 KB, moves it into the TOAST table: a one-visit push's row (median 8 KB of JSON, 2 KB
-- compressed, measured on the bench) cost a TOAST heap insert and a TOAST index insert, two WAL
-- records and ~4 shared buffers beside the row itself. MAIN compresses the same way but keeps
-- the value in the row unless the row would not fit in a page (~8 KB compressed): only those
-- (a ten-visit push's audit) still go to the TOAST table. Partitions inherit the storage; the
-- rare partition `ensure_monthly_partitions` builds with LIKE (rows already in the default
-- partition) keeps EXTENDED, which stores the same values, toasted as before.
ALTER TABLE push_audit ALTER COLUMN mutations SET STORAGE MAIN;
