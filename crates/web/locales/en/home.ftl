# English: the home page of a person.

home-greeting = Welcome, { $name }
home-unit-plans = Your unit's plans
home-no-plans = Your unit has no current plan.
home-yours = yours
home-your-targets = Targets you report on
home-report-due = a report is due
home-meetings = Your meetings
home-no-meetings = You are not invited to any meeting.
home-meeting-held = held
home-calendar = Calendar subscription address
home-calendar-new = Add this address to your calendar app. It is shown only now; anyone who has it sees your meetings, so keep it to yourself. Make a new one if it leaks.
home-calendar-since = You have a calendar subscription since { $day }.
home-calendar-create = Subscribe in a calendar app
home-calendar-replace = Make a new subscription address
home-calendar-revoke = End the subscription
home-decisions = Decisions to your unit
home-no-decisions = No decision was addressed to your unit.
home-bulletins = Bulletins to your unit
home-no-bulletins = Your unit received no bulletin.
home-commendations = Your commendations
flash-calendar-revoked = The calendar subscription ended; its address no longer works.
