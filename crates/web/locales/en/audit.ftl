# English: the audit log.

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
