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

/// A table read from a file: the headers, and the data rows kept compact
/// (the text of every cell in one buffer, with where each cell ends), so
/// that a file of a million rows costs about its own size in memory
/// rather than an allocation per cell.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column headers, trimmed.
    pub headers: Vec<String>,
    /// The text of every data cell, one after the other.
    text: String,
    /// Where each cell ends in `text`.
    cell_ends: Vec<u32>,
    /// Per row: the row number shown by a spreadsheet or text editor, and
    /// the index of its first cell.
    rows: Vec<(u32, u32)>,
}

/// One data row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'t> {
    table: &'t Table,
    index: usize,
}

impl<'t> Row<'t> {
    /// The row number a spreadsheet or text editor shows.
    pub fn line(&self) -> usize {
        self.table.rows[self.index].0 as usize
    }

    fn cell_range(&self) -> std::ops::Range<usize> {
        let first = self.table.rows[self.index].1 as usize;
        let end = self
            .table
            .rows
            .get(self.index + 1)
            .map_or(self.table.cell_ends.len(), |r| r.1 as usize);
        first..end
    }

    /// How many cells the row had.
    pub fn len(&self) -> usize {
        self.cell_range().len()
    }

    /// Whether the row had no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cell `column` (empty past the row's end).
    pub fn get(&self, column: usize) -> &'t str {
        let range = self.cell_range();
        let Some(cell) = range.clone().nth(column) else {
            return "";
        };
        let start = if cell == 0 {
            0
        } else {
            self.table.cell_ends[cell - 1] as usize
        };
        &self.table.text[start..self.table.cell_ends[cell] as usize]
    }

    /// The cells, in order.
    pub fn cells(&self) -> Vec<&'t str> {
        (0..self.len()).map(|c| self.get(c)).collect()
    }
}

impl Table {
    /// How many data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there is no data row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Data row `index`.
    pub fn row(&self, index: usize) -> Row<'_> {
        Row { table: self, index }
    }

    /// The data rows, in order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        (0..self.rows.len()).map(|index| Row { table: self, index })
    }

    /// Appends a data row; cells past the headers are left out (no field
    /// can be mapped to them). Refuses a table past 4 GiB of text or 4
    /// billion cells, which the compact offsets cannot hold.
    fn push_row<'a>(
        &mut self,
        line: usize,
        cells: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), FieldError> {
        let too_big =
            || too_large("the file holds more than 4 GiB of text or 4 billion cells".into());
        let line = u32::try_from(line).map_err(|_| too_big())?;
        let first = u32::try_from(self.cell_ends.len()).map_err(|_| too_big())?;
        self.rows.push((line, first));
        for cell in cells.into_iter().take(self.headers.len()) {
            self.text.push_str(cell);
            self.cell_ends
                .push(u32::try_from(self.text.len()).map_err(|_| too_big())?);
        }
        Ok(())
    }
}

fn file_error(code: &'static str, message: String) -> FieldError {
    FieldError::new("file", code, message)
}

/// Reads a table; the first non-empty row is the header.
pub fn read(bytes: &[u8], format: Format) -> Result<Table, FieldError> {
    let table = match format {
        Format::Csv => read_csv(bytes)?,
        Format::Xlsx => read_xlsx(bytes, &XlsxLimits::IMPORT)?,
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
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(file_error("malformed", format!("line {line}: {e}")));
            }
        }
        let line = record.position().map_or(0, |p| p.line()) as usize;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells = record.iter().map(|c| csv_cell_in(c.trim()));
        if header_seen {
            table.push_row(line, cells)?;
        } else {
            table.headers = cells.map(str::to_string).collect();
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

/// Limits that keep a workbook's memory bounded whatever it inflates to
/// (a few megabytes of .xlsx can hold gigabytes of XML): the parts
/// inflated, the shared strings calamine keeps in memory, the cells read
/// and the text they hold.
#[derive(Debug, Clone, Copy)]
pub struct XlsxLimits {
    /// Parts in the archive.
    pub parts: usize,
    /// Bytes all the parts may inflate to.
    pub inflated: u64,
    /// Bytes the shared strings part may inflate to.
    pub shared_strings: u64,
    /// Bytes any other part but a worksheet may inflate to.
    pub other_part: u64,
    /// Filled cells read from the worksheet.
    pub cells: usize,
    /// Characters of one cell.
    pub cell_chars: usize,
    /// Bytes of text of all the cells read.
    pub text: usize,
}

impl XlsxLimits {
    /// The limits of every import: a million filled cells (about 125,000
    /// rows of people; larger files go as CSV), Excel's own 32,767
    /// characters a cell.
    pub const IMPORT: XlsxLimits = XlsxLimits {
        parts: 1_000,
        inflated: 256 << 20,
        shared_strings: 32 << 20,
        other_part: 8 << 20,
        cells: 1_000_000,
        cell_chars: 32_767,
        text: 64 << 20,
    };
}

fn too_large(message: String) -> FieldError {
    FieldError::new("file", "too_large", message)
}

fn mib(bytes: u64) -> u64 {
    bytes >> 20
}

/// Opens the archive and inflates every part once, counting, before
/// calamine sees it: the sizes a part declares are not trusted (inflating
/// stops one byte past the limit), and what calamine then inflates is the
/// same bytes. Refuses parts compressed in other ways than an .xlsx uses.
fn check_xlsx_archive(bytes: &[u8], limits: &XlsxLimits) -> Result<(), FieldError> {
    let not_xlsx = |e: zip::result::ZipError| {
        file_error(
            "format",
            format!("the file is not an Excel workbook (.xlsx): {e}"),
        )
    };
    // Each entry of the central directory starts with this signature: a
    // bound on the entries before the archive is opened at all.
    let entries = bytes.windows(4).filter(|w| w == b"PK").count();
    if entries > limits.parts {
        return Err(too_large(format!(
            "the workbook has more than {} parts",
            limits.parts
        )));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(not_xlsx)?;
    let mut inflated: u64 = 0;
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).map_err(not_xlsx)?;
        if !matches!(
            part.compression(),
            zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
        ) {
            return Err(file_error(
                "format",
                format!(
                    "part {} of the workbook is compressed with {:?}, which Excel does not use",
                    part.name(),
                    part.compression()
                ),
            ));
        }
        let name = part.name().to_ascii_lowercase();
        let (limit, what) = if name.ends_with("sharedstrings.xml") {
            (limits.shared_strings, "its shared strings")
        } else if name.starts_with("xl/worksheets/") {
            (limits.inflated, "a worksheet")
        } else {
            (limits.other_part, "one of its parts")
        };
        let limit = limit.min(limits.inflated - inflated);
        let mut counted = std::io::Read::take(&mut part, limit + 1);
        let n = std::io::copy(&mut counted, &mut std::io::sink()).map_err(|e| {
            file_error(
                "format",
                format!("part {name} of the workbook cannot be read: {e}"),
            )
        })?;
        if n > limit {
            return Err(too_large(format!(
                "the workbook inflates past the limits read ({what}: more than {} MiB; {} MiB in all); save it as CSV, or split it",
                mib(limit.max(1 << 20)),
                mib(limits.inflated)
            )));
        }
        inflated += n;
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8], limits: &XlsxLimits) -> Result<Table, FieldError> {
    check_xlsx_archive(bytes, limits)?;
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
    let (mut count, mut text_bytes) = (0usize, 0usize);
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        // A shared string is referenced, not copied, by its cells: its
        // length is checked before the text is copied out.
        let len = match cell.get_value() {
            calamine::DataRef::SharedString(s) => s.len(),
            calamine::DataRef::String(s) => s.len(),
            _ => 0,
        };
        if len > limits.cell_chars * 4 {
            return Err(too_large(format!(
                "cell {}{} holds more than {} characters",
                column_letter(c as usize),
                r + 1,
                limits.cell_chars
            )));
        }
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        count += 1;
        text_bytes += text.len();
        if count > limits.cells || text_bytes > limits.text {
            return Err(too_large(format!(
                "the worksheet has more than {} filled cells or {} MiB of text (reached at cell {}{}); save it as CSV, or split it",
                limits.cells,
                mib(limits.text as u64),
                column_letter(c as usize),
                r + 1
            )));
        }
        if text.chars().count() > limits.cell_chars {
            return Err(too_large(format!(
                "cell {}{} holds more than {} characters",
                column_letter(c as usize),
                r + 1,
                limits.cell_chars
            )));
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
    // The shared strings go before the table is built.
    drop(cells);
    drop(book);
    let mut table = Table::default();
    let mut header_seen = false;
    // Empty cells between filled ones are kept too (a few bytes each):
    // rows of one far cell must not make millions of them.
    let mut stored = 0usize;
    for (r, mut cells) in rows {
        cells.sort_by_key(|(c, _)| *c);
        let mut width = cells.last().map_or(0, |(c, _)| *c as usize + 1);
        if header_seen {
            // Data rows hold no more cells than there are headers.
            width = width.min(table.headers.len());
            cells.retain(|(c, _)| (*c as usize) < width);
        }
        stored += width;
        if stored > limits.cells.saturating_mul(8) {
            return Err(too_large(format!(
                "the worksheet spreads its cells over more than {} (row {}); save it as CSV, or split it",
                limits.cells.saturating_mul(8),
                r + 1
            )));
        }
        let mut row = vec![String::new(); width];
        for (c, text) in cells {
            row[c as usize] = text;
        }
        if header_seen {
            table.push_row(r as usize + 1, row.iter().map(String::as_str))?;
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
        assert_eq!(t.len(), 1);
        assert_eq!(t.row(0).line(), 2);
        assert_eq!(t.row(0).cells(), ["김정숙", "Cell, 1"]);
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
        assert_eq!(t.row(0).line(), 2);
        assert_eq!(t.row(0).cells(), ["리영호", "2021-05-01"]);
        let err = read(b"name\nx\n", Format::Xlsx).unwrap_err();
        assert_eq!(err.code, "format");
    }

    /// A workbook of `rows` rows, each cell holding `text`.
    fn workbook(rows: usize, cols: usize, text: &str) -> Vec<u8> {
        let headers = vec!["h"; cols];
        let data: Vec<Vec<String>> = (0..rows).map(|_| vec![text.to_string(); cols]).collect();
        write_xlsx("Sheet", &headers, &data).unwrap()
    }

    /// The refusal of a read that must fail (without printing the table).
    fn refused(r: Result<Table, FieldError>) -> FieldError {
        match r {
            Ok(t) => panic!("read {} rows", t.len()),
            Err(e) => e,
        }
    }

    fn small() -> XlsxLimits {
        XlsxLimits {
            parts: 20,
            inflated: 1 << 20,
            shared_strings: 256 << 10,
            other_part: 64 << 10,
            cells: 1_000,
            cell_chars: 2_000,
            text: 200 << 10,
        }
    }

    #[test]
    fn workbooks_past_the_limits_are_refused_with_the_limit_named() {
        // Within every limit: read.
        let ok = workbook(100, 4, "Kim");
        assert_eq!(read_xlsx(&ok, &small()).unwrap().len(), 100);
        // Too many cells.
        let err = refused(read_xlsx(&workbook(400, 4, "Kim"), &small()));
        assert_eq!(err.code, "too_large");
        assert!(
            err.message.contains("more than 1000 filled cells"),
            "{}",
            err.message
        );
        // One long shared string in many cells: refused on the text read,
        // not after copying it into every cell.
        let long = "x".repeat(1_500);
        let err = refused(read_xlsx(&workbook(300, 1, &long), &small()));
        assert_eq!(err.code, "too_large");
        assert!(err.message.contains("MiB of text"), "{}", err.message);
        // One cell past the characters of a cell.
        let err = refused(read_xlsx(&workbook(1, 1, &"y".repeat(3_000)), &small()));
        assert!(
            err.message.contains("more than 2000 characters"),
            "{}",
            err.message
        );
        // A worksheet that inflates past the whole limit.
        let tight = XlsxLimits {
            inflated: 96 << 10,
            cells: 100_000,
            ..small()
        };
        let err = refused(read_xlsx(&workbook(4_000, 1, "Kim"), &tight));
        assert!(
            err.message.contains("inflates past the limits"),
            "{}",
            err.message
        );
        // Shared strings past their own limit.
        let strings: Vec<Vec<String>> = (0..3_000).map(|i| vec![format!("name {i:05}")]).collect();
        let many = write_xlsx("Sheet", &["h"], &strings).unwrap();
        let err = refused(read_xlsx(
            &many,
            &XlsxLimits {
                shared_strings: 32 << 10,
                cells: 10_000,
                ..small()
            },
        ));
        assert!(
            err.message.contains("its shared strings"),
            "{}",
            err.message
        );
        // Rows of one far cell each: not padded into millions of cells.
        let mut headers = vec!["h"; 200];
        headers[0] = "name";
        let far: Vec<Vec<String>> = (0..600)
            .map(|_| {
                let mut row = vec![String::new(); 200];
                row[199] = "x".into();
                row
            })
            .collect();
        let sparse = write_xlsx("Sheet", &headers, &far).unwrap();
        let err = refused(read_xlsx(&sparse, &small()));
        assert!(err.message.contains("spreads its cells"), "{}", err.message);
        // The limits of every import let an ordinary workbook through.
        assert_eq!(read(&ok, Format::Xlsx).unwrap().len(), 100);
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
