-- A person who leaves an open assignment's subtree or the organization
-- keeps their enrolment and completions as history, marked with the day
-- they left; only enrolments without it count and show. A person who
-- comes back resumes the same enrolment.
ALTER TABLE study_enrolments ADD COLUMN left_on TEXT;
