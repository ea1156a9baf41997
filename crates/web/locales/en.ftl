# English catalogue of the grassroots interface.

app-name = grassroots
app-tagline = Organization work from the primary units up

## Navigation and layout
nav-home = Home
nav-units = Units
nav-accounts = Accounts
nav-audit = Audit log
nav-me = My record
nav-logout = Log out
nav-skip = Skip to content
nav-main = Main navigation
nav-breadcrumbs = Breadcrumbs
footer-request-id = Request { $id }

## Login
login-title = Sign in
login-username = Login name
login-password = Password
login-submit = Sign in
login-failed = The login name or the password is wrong.
login-throttled = Too many failed attempts. Try again in { $minutes } minutes.
flash-logged-out = You have been signed out.
flash-session-ended = Your session has ended. Sign in again.

## Home
home-title = Home
home-your-units = Your units
home-no-units = You have no role that opens a unit. Your own record is under “My record”.

## Units
unit-children = Units below
unit-no-children = No units below this one.
units-children-count = { $count ->
    [one] { $count } unit below
   *[other] { $count } units below
}
unit-level = Level
unit-name = Name
unit-create-child = Add a unit below
unit-create-submit = Add unit
unit-rename = Rename
unit-rename-submit = Save name
flash-unit-created = The unit was added.
flash-unit-renamed = The unit was renamed.

## Levels
level-central-committee = Central committee
level-department = Department
level-provincial-committee = Provincial committee
level-city-committee = City committee
level-county-committee = County committee
level-primary-committee = Primary committee
level-cell = Cell

## Roles and scopes
role-administrator = Administrator
role-secretary = Secretary
role-staff = Staff
role-viewer = Viewer
role-member = Member
scope-unit = this unit only
scope-subtree = this unit and all below

## Accounts
accounts-title = Accounts
accounts-username = Login name
accounts-display-name = Name
accounts-home-unit = Home unit
accounts-status = Status
accounts-enabled = Active
accounts-disabled = Disabled
accounts-created = Created
accounts-create = New account
accounts-password = Initial password
accounts-create-submit = Create account
accounts-roles = Roles
accounts-no-roles = No roles within your administration.
accounts-assign = Assign a role
accounts-role = Role
accounts-unit = Unit
accounts-scope = Reach
accounts-assign-submit = Assign
accounts-revoke = Revoke
accounts-reset-password = Set a new password
accounts-new-password = New password
accounts-reset-submit = Set password
accounts-disable = Disable account
accounts-enable = Enable account
flash-account-created = The account was created.
flash-role-assigned = The role was assigned.
flash-role-revoked = The role was revoked.
flash-password-reset = The password was set and the account's sessions were ended.
flash-account-disabled = The account was disabled.
flash-account-enabled = The account was enabled.

## Own record
me-title = My record
me-account = Account
me-roles = My roles
me-no-roles = You hold no role.
me-reads = Who opened my record
me-reads-none = Nobody has opened your record.
me-read-by = Opened by
me-read-at = When
me-sessions = Signed-in sessions
me-session-started = Signed in
me-session-last-seen = Last active
me-session-address = Address
me-session-current = this session
me-logout-everywhere = Sign out everywhere
me-change-password = Change password
me-current-password = Current password
me-new-password = New password
me-change-password-submit = Change password
me-tokens = API tokens
me-tokens-none = No tokens.
me-token-name = Name
me-token-expires = Valid for (days, empty for no limit)
me-token-create = Create token
me-token-created = Copy this token now; it will not be shown again:
me-token-revoked-at = Revoked
me-token-last-used = Last used
flash-password-changed = Your password was changed. Your other sessions were ended.
flash-token-revoked = The token was revoked.

## Audit
audit-title = Audit log
audit-filter = Filter
audit-actor = Actor
audit-unit = Unit (and below)
audit-action = Action starts with
audit-from = From
audit-to = Until
audit-apply = Apply
audit-at = When
audit-entity = Record
audit-request = Request
audit-none = No entries match.
audit-older = Older entries

## Common
common-yes = Yes
common-no = No
common-none = —
common-save = Save

## Errors
error-title = Something went wrong
error-unauthorized = Please sign in.
error-forbidden = You are not allowed to do this.
error-not-found = This page does not exist, or it is outside your units.
error-invalid = The form has an error.
error-conflict = This value is already taken.
error-throttled = Too many attempts. Try again later.
error-bad-request = The request could not be understood.
error-internal = An internal error occurred. The administrators can find it in the log by its request number.
error-csrf = The form has expired or did not come from this site. Reload the page and try again.
error-field = { $field }: { $message }
error-request-id = Request number: { $id }
error-back-home = Back to the home page

## Field names and validation messages
field-name = Name
field-level = Level
field-username = Login name
field-display-name = Name
field-password = Password
field-new-password = New password
field-current-password = Current password
field-home-unit-id = Home unit
field-unit-id = Unit
field-account-id = Account
field-role = Role
field-expires-in-days = Validity
field-organization = Organization
validation-required = must not be empty
validation-too-long = is too long
validation-too-short = is too short (at least 10 characters)
validation-invalid = is not valid
validation-length = must be 3 to 64 characters
validation-wrong = is not correct
validation-not-found = does not exist within your units
validation-exceeds-own = a token can carry only a role you hold at that unit
validation-range = is out of range

## Counters and people
unit-counters = In this unit and below
counter-units = Units
counter-cells = Cells
status-applicant = Applicants
status-candidate = Candidates
status-member = Members
status-employee = Other working people
status-left = Left
status-transferred_out = Transferred out
person-status-applicant = Applicant
person-status-candidate = Candidate
person-status-member = Member
person-status-employee = Working person (not a member)
person-status-left = Left
person-status-transferred_out = Transferred out
people-title = People
people-none = No people match.
people-search = Name contains
people-status-any = Any status
people-subtree = Include units below
people-filter = Show
people-next = Next page
people-previous = Previous page
people-add = Add a person
people-full-name = Full name
people-contact = Contact
people-status = Status
people-joined-on = Joined on
people-external-id = External id
people-add-submit = Add person
people-unit = Unit
people-history = Status history
people-changed-at = When
people-changed-by = By
people-change-status = Change status
people-change-status-submit = Save status
flash-person-added = The person was added.
flash-person-status = The status was changed.
unit-move = Move this unit
unit-move-to = New parent unit
unit-move-submit = Move
flash-unit-moved = The unit was moved with everything below it.
field-full-name = Full name
field-contact = Contact
field-status = Status
field-joined-on = Joined on
field-external-id = External id
field-parent-id = New parent unit
validation-cycle = cannot be the unit itself or a unit below it
validation-root = the organization itself cannot be moved

## Positions
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
field-position-type = Position
field-person-id = Person
field-started-on = From
field-ended-on = Until
validation-not-in-unit = must be a person of this unit or of a unit below it
validation-taken = is already held; end the current term first

## Own record and account links
me-person = My record in the unit
accounts-person = Person record
accounts-person-id = Number of the person's record (empty to unlink)
flash-account-linked = The account's person record was saved.

## Skills
nav-skills = Skills
skills-title = Skills catalogue
skills-skill = Skill
skills-any = Any skill
skills-talents = Technical forces and talents
skills-no-talents = No skills are recorded in this unit or below.
skills-people = { $count ->
    [one] { $count } person
   *[other] { $count } people
}
skills-name = Name
skills-category = Category
skills-create = Add a skill
skills-create-submit = Add skill
skills-none = The catalogue is empty.
skills-of-person = Skills
skills-level = Level
skills-certified-until = Certified until
skills-expired = certification expired
skills-expiring = certification expires soon
skills-valid = certified
skills-set = Record a skill
skills-set-submit = Save skill
skills-remove = Remove
flash-skill-created = The skill was added to the catalogue.
flash-skill-saved = The skill was saved.
flash-skill-removed = The skill was removed.
field-certified-until = Certified until
field-skill-id = Skill
field-category = Category

## Transfers
transfers-title = Transfers
transfers-incoming = Coming in
transfers-outgoing = Going out
transfers-none = No pending transfers.
transfers-from = from { $unit }
transfers-to = to { $unit }
transfers-expires = expires { $date }
transfers-acknowledge = Acknowledge
transfers-cancel = Cancel
transfers-issue = Transfer to another unit
transfers-to-unit = Receiving unit (number)
transfers-issue-submit = Issue transfer
transfers-history = Transfers
state-pending = pending
state-acknowledged = acknowledged
state-expired = expired
state-cancelled = cancelled
flash-transfer-issued = The transfer was issued. It waits for the receiving unit.
flash-transfer-acknowledged = The transfer was acknowledged; the person now belongs to this unit.
flash-transfer-cancelled = The transfer was cancelled.
field-to-unit-id = Receiving unit
field-state = Transfer
validation-pending = already has a pending transfer
validation-closed = is no longer pending

## Unit lifecycle
unit-external-id = External id
unit-history = History
unit-history-of = History of { $unit }
unit-history-none = No changes are recorded.
unit-history-change = Change
unit-history-before = Before
unit-history-after = After
unit-back = Back to the unit
unit-event-create = Created
unit-event-rename = Renamed
unit-event-move = Moved
unit-event-merge = Merged
unit-event-close = Closed
unit-closed-on = Closed on { $date }
unit-merged-into = merged into
unit-closed-children = Closed units below
unit-merge = Merge into another unit
unit-merge-help = People, positions still held, units below and pending transfers move to the chosen unit; this unit closes and keeps its history.
unit-merge-into = Surviving unit
unit-merge-submit = Merge
unit-close = Close this unit
unit-close-help = Only an empty unit can close: no units below, no people, no positions held, no pending transfers.
unit-close-submit = Close
unit-confirm = I understand this cannot be undone
flash-unit-merged = The unit was merged into this one.
flash-unit-closed = The unit was closed.
field-into-id = Surviving unit
field-levels = Levels
field-profile = Profile
nav-profile = Levels
profile-title = Organization profile
profile-active = Active profile
profile-key = Key
profile-name = Name
profile-kind = Kind
profile-kind-body = Committee or body
profile-kind-primary = Primary unit
profile-kind-cell = Cell
profile-builtin = Built-in profiles
profile-help = A profile names the levels of the tree. It can change only while every unit's level stays in the new profile with the same kind.
profile-party = Party
profile-trade-union = Trade union
profile-cooperative = Cooperative
profile-custom = Custom profile
profile-custom-help = One level per line, top first: key | name | kind (body, primary or cell). Keys used by units must stay.
profile-apply = Apply
flash-profile-saved = The profile was saved.
level-confederation = Confederation
level-national-union = National union
level-regional-council = Regional council
level-local-union = Local union
level-workplace-group = Workplace group
level-federation = Federation
level-regional-union = Regional union
level-cooperative = Cooperative
level-work-team = Work team
export-title = Export
export-units-csv = Units (CSV)
export-units-xlsx = Units (Excel)
export-people-csv = People (CSV)
export-people-xlsx = People (Excel)
import-title = Import
import-into = Import into { $unit }
import-file = Import of { $file }
import-help = Upload a CSV file (UTF-8) or an Excel workbook (.xlsx) whose first row holds the column names. Nothing is written until you have checked the file and confirmed.
import-kind = What the file holds
import-kind-people = People
import-kind-units = Units
import-choose-file = File
import-upload = Upload and map columns
import-columns = Columns
import-columns-people = People: full_name and status are required; unit_external_id (empty: this unit), contact, joined_on (YYYY-MM-DD) and external_id are optional. A row whose external_id exists below this unit updates that person.
import-columns-units = Units: external_id, name and level are required; parent_external_id is optional (empty: directly below this unit). A row whose external_id exists below this unit updates that unit.
import-back = Back to { $unit }
import-preview = { $count ->
    [one] The file has one row; the first rows:
   *[other] The file has { $count } rows; the first rows:
}
import-report = Check
import-problems = { $count ->
    [one] One problem; nothing was written.
   *[other] { $count } problems; nothing was written.
}
import-row = Row
import-column = Column
import-value = Value
import-reason = Problem
import-whole-file = File
import-ready = The file can be imported as it is.
import-created = To add
import-updated = To change
import-unchanged = Unchanged
import-commit = Import now
import-mapping = Columns to fields
import-mapping-help = Choose which column of the file holds each field. Fields marked * are required.
import-not-in-file = (not in the file)
import-check = Check the file
flash-import-uploaded = The file was uploaded. Check the columns, then check the file.
flash-import-done = The import was written.
field-file = File
field-kind = Kind
error-too-large = The file or request is too large.
counter-positions = Positions held
counter-seats-vacant = Lead seats vacant (primary units)
people-cell = Cell
people-cell-any = All cells
picker-find = Find
picker-find-person = Find a person to appoint
picker-find-unit = Find a unit by name
picker-units-title = Move or merge: choose the other unit
picker-capped = Only the first 100 are listed; search by name to find others.
picker-none = No unit you manage matches.
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
field-title = Title
field-source = Source
field-issued-on = Date
