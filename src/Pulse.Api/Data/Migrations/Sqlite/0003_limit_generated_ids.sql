-- Generated ids stay within 1 to 2^53 - 1 (9007199254740991), the integers a JSON number holds exactly in
-- every client. AUTOINCREMENT would go on past the last one; an insert that lands above it fails instead
-- (the message is what the service recognises as "no id left").
CREATE TRIGGER products_id_range AFTER INSERT ON products WHEN NEW.id > 9007199254740991
BEGIN
    SELECT RAISE(ABORT, 'id range exhausted');
END;

CREATE TRIGGER tasks_id_range AFTER INSERT ON tasks WHEN NEW.id > 9007199254740991
BEGIN
    SELECT RAISE(ABORT, 'id range exhausted');
END;
