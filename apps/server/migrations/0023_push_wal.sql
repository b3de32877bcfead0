-- Indexes that every push pays for and no query uses (issue 19, session 8). Each row a push
-- inserts goes into every index of its table: a descent of two or three pages and a WAL record
-- of ~70 bytes per index (pg_walinspect of the bench's push runs, docs/PERFORMANCE.md). These
-- three are read by nothing: no storage query names the column (`INDEXED_FIELDS` in
-- packages/domain/src/tx.ts lists what the mutators' `list` may filter on: not a ticket's
-- openedAt, a payment's createdAt or a line's staffId), the history pages on closed_at and
-- voided_at, the report views join lines and payments to tickets by ticket_id and are refreshed
-- whole, and the snapshot and pulls read by (store_id, version) or the primary key. The columns
-- stay (promoted, as the report views and the admin tools read them).
DROP INDEX tickets_opened;
DROP INDEX payments_created;
DROP INDEX ticket_lines_staff;
