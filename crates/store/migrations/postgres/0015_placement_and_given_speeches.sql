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
ALTER TABLE speeches ADD COLUMN given BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE speeches SET given = TRUE WHERE started_at IS NOT NULL;

-- Attendance rolls up from the participants whose attendance was recorded:
-- a meeting closed without attendance taken no longer counts everyone in
-- it as absent.
DELETE FROM unit_aggregates WHERE metric = 'attendance.invited';
INSERT INTO unit_aggregates (unit_id, metric, own, subtree)
SELECT c.ancestor_id, 'attendance.marked',
       sum(CASE WHEN p.unit_id = c.ancestor_id THEN 1 ELSE 0 END), count(*)
FROM meeting_participants p JOIN meetings m ON m.id = p.meeting_id
JOIN unit_closure c ON c.descendant_id = p.unit_id
WHERE m.closed_at IS NOT NULL AND p.attendance IS NOT NULL
GROUP BY c.ancestor_id;
