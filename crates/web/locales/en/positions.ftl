# English: positions and vacancies.

positions-lead = Lead trio
lead-party = Party
lead-administrative = Administrative
lead-technical = Technical
positions-vacant = Vacant
positions-new = newly appointed
positions-long = long-serving
positions-since = since { $date }
positions-current = Positions held now
positions-none = No positions are held.
positions-past = Earlier terms
positions-until = until { $date }
positions-end = End term
positions-assign = Appoint
positions-type = Position
positions-person = Person
positions-started = From
positions-assign-submit = Appoint
positions-vacancies = Vacant lead positions below
positions-no-vacancies = No lead position is vacant below this unit.
positions-of-person = Positions
flash-position-assigned = The appointment was recorded.
flash-position-ended = The term was ended.
