# English: import and export.

export-title = Export
export-units-csv = Units (CSV)
export-units-xlsx = Units (Excel)
export-people-csv = People (CSV)
export-people-xlsx = People (Excel)
import-title = Import
import-into = Import into { $unit }
import-file = Import of { $file }
import-help = Upload a CSV file (UTF-8) or an Excel workbook (.xlsx) whose first row holds the column names: at most 32 MiB, and for a workbook at most a million filled cells (larger files go through `grassroots import` on the server). Nothing is written until you have checked the file and confirmed.
import-kind = What the file holds
import-kind-people = People
import-kind-units = Units
import-choose-file = File
import-upload = Upload and map columns
import-columns = Columns
import-columns-people = People: full_name and status are required; unit_id or unit_external_id (both empty: this unit), contact, joined_on (YYYY-MM-DD), external_id and id are optional. A row whose id (as exported) or external_id names a person below this unit updates that person.
import-columns-units = Units: name and level are required, and an external_id or the id of a unit below this one (as exported); parent_id or parent_external_id is optional (both empty: directly below this unit). A row whose id or external_id names a unit below this unit updates that unit.
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
flash-import-cancelled = The upload was deleted; nothing was imported.
import-cancel = Cancel and delete the upload
import-kept-help = The uploaded file is kept for you alone until you import it or cancel, for six hours at most; your three newest uploads are kept.
# Problems in an imported file; the English words name the row's particulars.
import-problem-conflict = { $detail }
import-problem-cycle = { $detail }
import-problem-duplicate-column = { $detail }
import-problem-duplicate-id = { $detail }
import-problem-external-id-elsewhere = { $detail }
import-problem-external-id-taken = { $detail }
import-problem-ids-disagree = { $detail }
import-problem-import-root = { $detail }
import-problem-missing-column = { $detail }
import-problem-name-taken = { $detail }
import-problem-no-rows = { $detail }
import-problem-not-an-id = { $detail }
import-problem-parent-closed = { $detail }
import-problem-person-elsewhere = { $detail }
import-problem-placement = { $detail }
import-problem-required = { $detail }
import-problem-same-record = { $detail }
import-problem-unit-closed = { $detail }
import-problem-unknown-field = { $detail }
import-problem-unknown-level = { $detail }
import-problem-unknown-person = { $detail }
import-problem-unknown-status = { $detail }
import-problem-unknown-unit = { $detail }
