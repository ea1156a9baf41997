-- An account may belong to a person of the organization, whose own record
-- it then shows ("My record"), with the list of who opened it.
ALTER TABLE accounts ADD COLUMN person_id INTEGER REFERENCES people (id);
CREATE UNIQUE INDEX accounts_person ON accounts (person_id) WHERE person_id IS NOT NULL;
