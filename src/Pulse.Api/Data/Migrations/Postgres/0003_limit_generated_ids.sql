-- Generated ids stay within 1 to 2^53 - 1 (9007199254740991), the integers a JSON number holds exactly in
-- every client. Past the last one, an insert without an id fails (sequence exhausted) instead of handing out
-- a larger id. A sequence that already went past is held at the limit first: ALTER refuses a MAXVALUE below
-- the last value.
SELECT setval(pg_get_serial_sequence('products', 'id'), 9007199254740991)
FROM pg_sequences
WHERE schemaname = current_schema() AND sequencename = 'products_id_seq' AND last_value > 9007199254740991;
ALTER TABLE products ALTER COLUMN id SET MAXVALUE 9007199254740991;

SELECT setval(pg_get_serial_sequence('tasks', 'id'), 9007199254740991)
FROM pg_sequences
WHERE schemaname = current_schema() AND sequencename = 'tasks_id_seq' AND last_value > 9007199254740991;
ALTER TABLE tasks ALTER COLUMN id SET MAXVALUE 9007199254740991;
