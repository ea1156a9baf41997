//! Tables in and out: CSV (UTF-8) and Excel workbooks (.xlsx), read into
//! header + rows of text with the row numbers a spreadsheet shows, and
//! written from the same shape.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use grassroots_core::FieldError;

/// A file format for import and export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values, UTF-8.
    Csv,
    /// Office Open XML workbook.
    Xlsx,
}

impl Format {
    /// The format named by `name` (`csv`, `xlsx`) or by a file name's
    /// extension.
    pub fn parse(name: &str) -> Option<Format> {
        let ext = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// A table read from a file.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column headers, trimmed.
    pub headers: Vec<String>,
    /// Data rows: the row number shown by a spreadsheet or text editor,
    /// and the cells (as many as the row had).
    pub rows: Vec<(usize, Vec<String>)>,
}

fn file_error(code: &'static str, message: String) -> FieldError {
    FieldError::new("file", code, message)
}

/// Reads a table; the first non-empty row is the header.
pub fn read(bytes: &[u8], format: Format) -> Result<Table, FieldError> {
    let table = match format {
        Format::Csv => read_csv(bytes)?,
        Format::Xlsx => read_xlsx(bytes)?,
    };
    if table.headers.iter().all(String::is_empty) {
        return Err(file_error("empty", "the file has no header row".into()));
    }
    Ok(table)
}

fn read_csv(bytes: &[u8]) -> Result<Table, FieldError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(body) {
        let at = e.valid_up_to();
        let line = body[..at].iter().filter(|b| **b == b'\n').count() + 1;
        return Err(file_error(
            "encoding",
            format!(
                "the file is not UTF-8 text (line {line}, byte {}); save it as CSV UTF-8",
                at + 1
            ),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut table = Table::default();
    let mut header_seen = false;
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            file_error("malformed", format!("line {line}: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line()) as usize;
        let cells: Vec<String> = record
            .iter()
            .map(|c| csv_cell_in(c.trim()).to_string())
            .collect();
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if header_seen {
            table.rows.push((line, cells));
        } else {
            table.headers = cells;
            header_seen = true;
        }
    }
    Ok(table)
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        // Whole numbers (ids typed into a spreadsheet) without ".0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Columns read from a worksheet; cells to the right are refused, so that
/// a tiny file naming a far-away cell cannot make us allocate the grid.
pub const MAX_COLUMNS: u32 = 256;
/// Rows read from a worksheet (the largest an .xlsx sheet can hold).
pub const MAX_ROWS: u32 = 1_048_576;

fn read_xlsx(bytes: &[u8]) -> Result<Table, FieldError> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        file_error(
            "format",
            format!("the file is not an Excel workbook (.xlsx): {e}"),
        )
    })?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| file_error("empty", "the workbook has no worksheet".into()))?;
    let unreadable = |e: calamine::XlsxError| {
        file_error("format", format!("the first worksheet cannot be read: {e}"))
    };
    // Cells are read one by one into sparse rows: memory follows the cells
    // present, not the sheet's dimensions.
    let mut rows: std::collections::BTreeMap<u32, Vec<(u32, String)>> = Default::default();
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        if c >= MAX_COLUMNS || r >= MAX_ROWS {
            return Err(file_error(
                "too_large",
                format!(
                    "cell {}{} is beyond the {MAX_COLUMNS} columns and {MAX_ROWS} rows read",
                    column_letter(c as usize),
                    r + 1
                ),
            ));
        }
        rows.entry(r).or_default().push((c, text));
    }
    let mut table = Table::default();
    let mut header_seen = false;
    for (r, mut cells) in rows {
        cells.sort_by_key(|(c, _)| *c);
        let width = cells.last().map_or(0, |(c, _)| *c as usize + 1);
        let mut row = vec![String::new(); width];
        for (c, text) in cells {
            row[c as usize] = text;
        }
        if header_seen {
            table.rows.push((r as usize + 1, row));
        } else {
            table.headers = row;
            header_seen = true;
        }
    }
    Ok(table)
}

/// Characters that make a spreadsheet program read a CSV cell as a formula
/// (OWASP "CSV injection"), and the quote that protects them.
const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];
const TEXT_MARK: char = '\'';

/// A cell as written to CSV: one that a spreadsheet would read as a
/// formula gets a leading `'`, which spreadsheets take as "this is text".
/// A cell already starting with `'` gets one too, so that [`csv_cell_in`]
/// can take exactly one off and every value comes back as it was.
pub fn csv_cell_out(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(FORMULA_STARTS) || value.starts_with(TEXT_MARK) {
        format!("{TEXT_MARK}{value}").into()
    } else {
        value.into()
    }
}

/// A CSV cell as read: the `'` that [`csv_cell_out`] put before a formula
/// character or another `'` comes off; any other text stays as it is.
pub fn csv_cell_in(cell: &str) -> &str {
    match cell.strip_prefix(TEXT_MARK) {
        Some(rest) if rest.starts_with(FORMULA_STARTS) || rest.starts_with(TEXT_MARK) => rest,
        _ => cell,
    }
}

/// Writes a table as CSV (UTF-8, with a header row); cells are protected
/// against formula injection with [`csv_cell_out`].
pub fn write_csv(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail but for a row of the wrong length,
    // which the callers never build.
    let mut write = |cells: &mut dyn Iterator<Item = &str>| {
        for c in cells {
            let _ = w.write_field(csv_cell_out(c).as_bytes());
        }
        let _ = w.write_record(None::<&[u8]>);
    };
    write(&mut headers.iter().copied());
    for r in rows {
        write(&mut r.iter().map(String::as_str));
    }
    w.into_inner().unwrap_or_default()
}

/// Writes a table as an Excel workbook with a bold, frozen header row.
pub fn write_xlsx(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    ws.set_name(sheet).map_err(e)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(e)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, v).map_err(e)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0).map_err(e)?;
    book.save_to_buffer().map_err(e)
}

/// The spreadsheet letter of a zero-based column (A, B, …, Z, AA, …).
pub fn column_letter(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn csv_round_trips_unicode_and_reports_encoding() {
        let bytes = write_csv(
            &["name", "unit"],
            &[vec!["김정숙".into(), "Cell, 1".into()]],
        );
        let t = read(&bytes, Format::Csv).unwrap();
        assert_eq!(t.headers, ["name", "unit"]);
        assert_eq!(
            t.rows,
            vec![(2, vec!["김정숙".to_string(), "Cell, 1".to_string()])]
        );
        let latin1 = b"name\nJos\xe9\n";
        let err = read(latin1, Format::Csv).unwrap_err();
        assert_eq!(err.code, "encoding");
        assert!(err.message.contains("line 2"), "{}", err.message);
    }

    #[test]
    fn csv_cells_that_look_like_formulas_are_text_and_come_back_unchanged() {
        let values = [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'",
            "'=1",
            "''x",
            "'plain",
            "plain",
            "a=b",
            "",
        ];
        let row: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        let bytes = write_csv(&["a"; 13], &[row]);
        let text = String::from_utf8(bytes.clone()).unwrap();
        let data = text.lines().skip(1).collect::<Vec<_>>().join("\n");
        for bad in ["=HYP", "+1", "-2", "@SUM"] {
            assert!(
                !data.contains(&format!(",{bad}")) && !data.starts_with(bad),
                "{bad} written as a formula: {data}"
            );
        }
        let mut c = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(bytes.as_slice());
        let raw = c.records().next().unwrap().unwrap();
        assert_eq!(&raw[0], "'=HYPERLINK(\"http://x\",\"y\")");
        assert_eq!(&raw[10], "plain");
        let read: Vec<&str> = raw.iter().map(csv_cell_in).collect();
        assert_eq!(read, values, "every value comes back as it was");
        // A foreign file's leading quote before ordinary text is kept.
        assert_eq!(csv_cell_in("'abc"), "'abc");
    }

    #[test]
    fn xlsx_round_trips() {
        let bytes = write_xlsx(
            "People",
            &["name", "joined"],
            &[vec!["리영호".into(), "2021-05-01".into()]],
        )
        .unwrap();
        let t = read(&bytes, Format::Xlsx).unwrap();
        assert_eq!(t.headers, ["name", "joined"]);
        assert_eq!(
            t.rows[0],
            (2, vec!["리영호".to_string(), "2021-05-01".to_string()])
        );
        let err = read(b"name\nx\n", Format::Xlsx).unwrap_err();
        assert_eq!(err.code, "format");
    }

    #[test]
    fn a_far_away_cell_is_refused_not_allocated() {
        let mut headers = vec![""; MAX_COLUMNS as usize];
        headers.push("far");
        headers[0] = "name";
        let bytes = write_xlsx("People", &headers, &[]).unwrap();
        let err = read(&bytes, Format::Xlsx).unwrap_err();
        assert_eq!(err.code, "too_large");
        assert!(err.message.contains("IW1"), "{}", err.message);
    }
}
