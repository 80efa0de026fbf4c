-- Products (seed 002). SQLite has no exact decimal type: the price is TEXT ('999.99'), which EF Core
-- reads back exactly; the service never compares or sorts prices in SQL. AUTOINCREMENT keeps ids of
-- deleted rows from being handed out again (ETags are per id and version).
CREATE TABLE products (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    price      TEXT    NOT NULL,
    amount     INTEGER NOT NULL CHECK (amount >= 0),
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
