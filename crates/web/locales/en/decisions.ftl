# English: decisions.

decisions-title = Decisions
decisions-none = No decision is addressed to this unit.
decisions-issued = Issued by this unit
decision-issue = Issue a decision to the units below
decision-title = Title
decision-source = Source
decision-source-congress = Congress
decision-source-plenary-meeting = Plenary meeting
decision-source-committee-meeting = Committee meeting
decision-source-other = Other
decision-issued-on = Date
decision-levels = Only to these levels (none ticked: every unit below)
decision-body = Text (Markdown)
decision-issue-submit = Issue
decision-adopt = Adopt
decision-adopted = Adopted
decision-awaiting = awaiting adoption
decision-adoption = Adoption
decision-adopted-of = Adopted by
decision-unit = Unit
decision-addressed = Addressed
decision-not-adopted = Not adopted yet
flash-decision-issued = The decision was issued.
flash-decision-adopted = The decision was adopted.
