-- Supply: items, stock per unit (never negative), the ledger of every
-- movement, and requests from a unit to its parent.

CREATE TABLE supply_items (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    measure     TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

CREATE TABLE supply_stock (
    unit_id   INTEGER NOT NULL REFERENCES units (id),
    item_id   INTEGER NOT NULL REFERENCES supply_items (id),
    balance   INTEGER NOT NULL CHECK (balance >= 0),
    PRIMARY KEY (unit_id, item_id)
);

-- Every change of a stock: `receipt` (arrived from outside), `distribution`
-- (given to a person or household), `shipment_out` / `shipment_in` (a
-- request fulfilled between a unit and its parent). Quantities are
-- positive; the kind says which way.
CREATE TABLE supply_movements (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    item_id     INTEGER NOT NULL REFERENCES supply_items (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('receipt', 'distribution', 'shipment_out', 'shipment_in')),
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    person_id   INTEGER REFERENCES people (id),
    household   TEXT    NOT NULL DEFAULT '',
    purpose     TEXT    NOT NULL DEFAULT '',
    request_id  INTEGER,
    on_day      TEXT    NOT NULL,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL
);
CREATE INDEX supply_movements_unit ON supply_movements (unit_id, id);

CREATE TABLE supply_requests (
    id            INTEGER PRIMARY KEY,
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    to_unit_id    INTEGER NOT NULL REFERENCES units (id),
    item_id       INTEGER NOT NULL REFERENCES supply_items (id),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    reason        TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('requested', 'approved', 'shipped', 'received', 'refused')),
    requested_at  TEXT    NOT NULL,
    requested_by  TEXT    NOT NULL,
    decided_at    TEXT,
    decided_by    TEXT,
    shipped_at    TEXT,
    shipped_by    TEXT,
    received_at   TEXT,
    received_by   TEXT,
    note          TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX supply_requests_unit ON supply_requests (unit_id, status);
CREATE INDEX supply_requests_to ON supply_requests (to_unit_id, status);
