# English: the layout, navigation and home page.

app-name = grassroots
app-tagline = Organization work from the primary units up
nav-home = Home
nav-accounts = Accounts
nav-audit = Audit log
nav-me = My record
nav-logout = Log out
nav-skip = Skip to content
nav-main = Main navigation
nav-breadcrumbs = Breadcrumbs
footer-request-id = Request { $id }
home-title = Home
home-your-units = Your units
home-no-units = You have no role that opens a unit. Your own record is under “My record”.
common-yes = Yes
common-no = No
common-none = —
common-save = Save
nav-skills = Skills
nav-profile = Levels
nav-work = My work
nav-welfare = Care
nav-supply = Supply items
nav-welfare-types = Kinds of problems
nav-meeting-settings = Meetings
