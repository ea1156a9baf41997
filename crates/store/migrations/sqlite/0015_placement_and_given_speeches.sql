-- Which levels may sit under which. A level lists the levels its units may
-- sit directly under (space-separated keys); NULL means any level higher
-- in the order. The built-in profiles name theirs; a custom profile keeps
-- the order rule until its administrator names parents.
ALTER TABLE unit_levels ADD COLUMN parents TEXT;
UPDATE unit_levels SET parents = CASE key
    WHEN 'central_committee' THEN ''
    WHEN 'department' THEN 'central_committee'
    WHEN 'provincial_committee' THEN 'central_committee'
    WHEN 'city_committee' THEN 'provincial_committee'
    WHEN 'county_committee' THEN 'provincial_committee city_committee'
    WHEN 'primary_committee' THEN 'central_committee department provincial_committee city_committee county_committee'
    WHEN 'cell' THEN 'primary_committee'
    END
WHERE (SELECT profile FROM organization WHERE id = 1) = 'party';
UPDATE unit_levels SET parents = CASE key
    WHEN 'confederation' THEN ''
    WHEN 'national_union' THEN 'confederation'
    WHEN 'regional_council' THEN 'confederation national_union'
    WHEN 'local_union' THEN 'confederation national_union regional_council'
    WHEN 'workplace_group' THEN 'local_union'
    END
WHERE (SELECT profile FROM organization WHERE id = 1) = 'trade_union';
UPDATE unit_levels SET parents = CASE key
    WHEN 'federation' THEN ''
    WHEN 'regional_union' THEN 'federation'
    WHEN 'cooperative' THEN 'federation regional_union'
    WHEN 'work_team' THEN 'cooperative'
    END
WHERE (SELECT profile FROM organization WHERE id = 1) = 'cooperative';

-- A speech is given when it was heard live (started) or recorded as given
-- after the meeting; only given speeches are reported as speeches.
ALTER TABLE speeches ADD COLUMN given INTEGER NOT NULL DEFAULT 0;
UPDATE speeches SET given = 1 WHERE started_at IS NOT NULL;
