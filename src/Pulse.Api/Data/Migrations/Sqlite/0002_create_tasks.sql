-- Tasks (seed 001). The status index serves GET /tasks?status=... paged by id.
CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT    NOT NULL,
    description TEXT    NULL,
    status      TEXT    NOT NULL CHECK (status IN ('todo', 'in_progress', 'done')),
    due_date    TEXT    NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE INDEX ix_tasks_status_id ON tasks (status, id);
