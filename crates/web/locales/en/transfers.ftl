# English: transfers.

state-pending = pending
state-acknowledged = acknowledged
state-expired = expired
state-cancelled = cancelled
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
flash-transfer-issued = The transfer was issued. It waits for the receiving unit.
flash-transfer-acknowledged = The transfer was acknowledged; the person now belongs to this unit.
flash-transfer-cancelled = The transfer was cancelled.
