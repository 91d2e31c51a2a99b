//! The blocklist CSV: `kind,value,category,campaign,source[,alert]`, more columns allowed.
//!
//! Used by `verityctl blocklist import` and by feed publishing. Parsing is all or nothing: every
//! bad row is reported by line number, and the caller imports nothing unless the whole file is
//! good. Rows repeating a (kind, value) keep the last one, as a later correction would.

use crate::blocklist::{BlocklistEntry, Category, EntryKind};
use crate::clock::Timestamp;
use crate::phone::Region;
use std::collections::HashMap;

/// The columns every file must have, in any order.
pub const REQUIRED_COLUMNS: [&str; 5] = ["kind", "value", "category", "campaign", "source"];

/// The most bad rows listed in one error (the count says how many there were).
const MAX_LISTED: usize = 20;

/// One good row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvEntry {
    /// The entry, its value normalised.
    pub entry: BlocklistEntry,
    /// Whether a new sighting should raise a desktop alert (the optional `alert` column).
    pub alert: bool,
    /// The file line it came from (1 is the header).
    pub line: u64,
}

/// One bad row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The file line (1 is the header).
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}

/// Why a file cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// The file is not UTF-8 text.
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    /// The file is empty.
    #[error("the file is empty: expected a header line `kind,value,category,campaign,source`")]
    Empty,
    /// The header lacks a required column.
    #[error("the header has no `{0}` column: expected `kind,value,category,campaign,source`")]
    MissingColumn(&'static str),
    /// A column is named twice.
    #[error("the header names `{0}` twice")]
    DuplicateColumn(String),
    /// Some rows are bad; nothing was imported.
    #[error("{} bad row{} (nothing imported): {}{}", .total, if *.total == 1 { "" } else { "s" },
        .rows.iter().map(|r| format!("line {}: {}", r.line, r.message)).collect::<Vec<_>>().join("; "),
        if *.total > .rows.len() { "; …" } else { "" })]
    BadRows {
        /// The first bad rows.
        rows: Vec<RowError>,
        /// How many rows were bad in all.
        total: usize,
    },
}

/// Parses a whole blocklist CSV. `added` dates every entry; `default_region` reads numbers
/// written without a country code.
///
/// # Errors
/// [`CsvError`] for a bad header or any bad row; then nothing should be imported.
pub fn parse_entries(
    bytes: &[u8],
    added: Timestamp,
    default_region: Region,
) -> Result<Vec<CsvEntry>, CsvError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CsvError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|_| CsvError::Empty)?.clone();
    let mut col: HashMap<String, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.to_ascii_lowercase();
        if col.insert(name.clone(), i).is_some() && !name.is_empty() {
            return Err(CsvError::DuplicateColumn(name));
        }
    }
    for required in REQUIRED_COLUMNS {
        if !col.contains_key(required) {
            return Err(CsvError::MissingColumn(required));
        }
    }
    let at = |name: &str| col.get(name).copied();
    let (kind_i, value_i, cat_i) = (at("kind"), at("value"), at("category"));
    let (campaign_i, source_i, alert_i) = (at("campaign"), at("source"), at("alert"));

    let mut good: Vec<CsvEntry> = Vec::new();
    let mut seen: HashMap<(EntryKind, String), usize> = HashMap::new();
    let mut bad: Vec<RowError> = Vec::new();
    let mut total_bad = 0usize;
    for record in reader.records() {
        let (line, result) = match record {
            Ok(r) => {
                let line = r.position().map_or(0, csv::Position::line);
                (
                    line,
                    parse_row(&r, [kind_i, value_i, cat_i, campaign_i, source_i, alert_i]),
                )
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                (line, Err("unreadable CSV row".to_owned()))
            }
        };
        let parsed = result.and_then(|(kind, value, category, campaign, source, alert)| {
            BlocklistEntry::new(
                kind,
                &value,
                category,
                campaign,
                source,
                added,
                default_region,
            )
            .map(|entry| (entry, alert))
            .map_err(|e| format!("{kind} {value:?}: {e}"))
        });
        match parsed {
            Ok((entry, alert)) => {
                let key = (entry.kind, entry.value.clone());
                let row = CsvEntry { entry, alert, line };
                if let Some(&i) = seen.get(&key) {
                    good[i] = row;
                } else {
                    seen.insert(key, good.len());
                    good.push(row);
                }
            }
            Err(message) => {
                total_bad += 1;
                if bad.len() < MAX_LISTED {
                    bad.push(RowError { line, message });
                }
            }
        }
    }
    if total_bad > 0 {
        return Err(CsvError::BadRows {
            rows: bad,
            total: total_bad,
        });
    }
    Ok(good)
}

type Row = (
    EntryKind,
    String,
    Category,
    Option<String>,
    Option<String>,
    bool,
);

fn parse_row(r: &csv::StringRecord, cols: [Option<usize>; 6]) -> Result<Row, String> {
    let field = |i: Option<usize>| i.and_then(|i| r.get(i)).unwrap_or("").trim();
    let optional = |i: Option<usize>| {
        let v = field(i);
        (!v.is_empty()).then(|| v.to_owned())
    };
    let [kind_i, value_i, cat_i, campaign_i, source_i, alert_i] = cols;
    let kind_s = field(kind_i);
    let kind: EntryKind = kind_s
        .to_ascii_lowercase()
        .parse()
        .map_err(|_| format!("unknown kind {kind_s:?} (expected phone, domain or url)"))?;
    let value = field(value_i);
    if value.is_empty() {
        return Err("the value is empty".to_owned());
    }
    let cat_s = field(cat_i);
    let category: Category = cat_s.to_ascii_lowercase().parse().map_err(|_| {
        format!(
            "unknown category {cat_s:?} (expected fake_support, fake_upgrade, freeze_threat, \
             phishing or other)"
        )
    })?;
    let alert = match field(alert_i).to_ascii_lowercase().as_str() {
        "" | "false" => false,
        "true" => true,
        other => return Err(format!("alert must be true or false, not {other:?}")),
    };
    Ok((
        kind,
        value.to_owned(),
        category,
        optional(campaign_i),
        optional(source_i),
        alert,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timestamp = Timestamp(1_790_000_000);

    fn parse(s: &str) -> Result<Vec<CsvEntry>, CsvError> {
        parse_entries(s.as_bytes(), T, Region::HK)
    }

    #[test]
    fn reads_every_kind_and_normalises() {
        let rows = parse(
            "kind,value,category,campaign,source\n\
             phone,+852 9123 4567,fake_support,Ads Q3,police\n\
             domain,DingTalk-Support.COM,phishing,,\n\
             url,http://evil.example.com/pay/,fake_upgrade,,it\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].entry.value, "+85291234567");
        assert_eq!(rows[0].entry.campaign.as_deref(), Some("Ads Q3"));
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[1].entry.value, "dingtalk-support.com");
        assert_eq!(rows[1].entry.campaign, None);
        assert_eq!(rows[2].entry.value, "evil.example.com/pay/");
        assert!(rows.iter().all(|r| !r.alert && r.entry.added == T));
    }

    #[test]
    fn columns_in_any_order_with_extras_bom_and_alert() {
        let rows = parse(
            "\u{feff}source,notes,value,kind,category,campaign,alert\n\
             feed,whatever,91234567,phone,freeze_threat,c1,true\n",
        )
        .unwrap();
        assert_eq!(rows[0].entry.value, "+85291234567");
        assert!(rows[0].alert);
        assert_eq!(rows[0].entry.source.as_deref(), Some("feed"));
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_nothing_is_returned() {
        let err = parse(
            "kind,value,category,campaign,source\n\
             phone,+852 9123 4567,fake_support,,\n\
             fax,123,other,,\n\
             phone,CALL-NOW,other,,\n\
             phone,+852 9123 4567,no_such,,\n\
             domain,,other,,\n",
        )
        .unwrap_err();
        let CsvError::BadRows { rows, total } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*total, 4);
        let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6]);
        let msg = err.to_string();
        assert!(msg.contains("line 3: unknown kind \"fax\""), "{msg}");
        assert!(msg.contains("line 5: unknown category"), "{msg}");
    }

    #[test]
    fn header_problems_are_named() {
        assert_eq!(parse(""), Err(CsvError::Empty));
        assert_eq!(
            parse("kind,value,category,campaign\n"),
            Err(CsvError::MissingColumn("source"))
        );
        assert!(matches!(
            parse("kind,kind,value,category,campaign,source\n"),
            Err(CsvError::DuplicateColumn(_))
        ));
        assert_eq!(
            parse_entries(&[0xff, 0xfe, 0x00], T, Region::HK),
            Err(CsvError::NotUtf8)
        );
    }

    #[test]
    fn repeated_values_keep_the_last_row() {
        let rows = parse(
            "kind,value,category,campaign,source\n\
             phone,91234567,other,,\n\
             phone,+85291234567,phishing,,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].entry.category, Category::Phishing);
    }

    #[test]
    fn a_header_alone_is_an_empty_list() {
        assert_eq!(
            parse("kind,value,category,campaign,source\n").unwrap(),
            vec![]
        );
    }
}
