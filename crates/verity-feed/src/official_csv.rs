//! The official-channel directory as CSV, for `verityctl feed publish --official FILE.csv`.
//!
//! ```text
//! kind,value,account_id
//! platform_name,DingTalk,
//! platform_name,釘釘,
//! domain,dingtalk.com,
//! brand_label,dingtalk,
//! service_account,DingTalk Security Centre,dt-sec-001
//! support_step,open_my_tab,
//! phone,+852 1234 5678,
//! known,+852 6123 4567,"Acme Supplies, accounts"
//! known,acme-supplies.example.com,Acme Supplies
//! ```
//!
//! Columns `kind` and `value` are required, `account_id` is optional (used by
//! `service_account` rows), other columns are ignored. Kinds: `platform_name`, `domain`
//! (normalised like a blocklist domain; every subdomain is official too), `brand_label`,
//! `service_account`, `support_step` (`open_my_tab`, `help_and_feedback`, `contact_support`, in
//! order), `phone` (normalised to E.164; DingTalk publishes none in Hong Kong), and `known`: the
//! organisation's allowlist (`OfficialDirectory::known`), a contact its IT confirmed, with its
//! label (who it is) in the third column (or in a `label` column when the header has one). A
//! `known` value with a letter in it is a domain (it and its subdomains), else a phone number;
//! `known_phone` and `known_domain` say so explicitly. A kind and value given twice keep the
//! later label.
//!
//! Each kind present in the file replaces that part of the shipped DingTalk default; a kind
//! absent from the file keeps the default (so a file listing only extra domains must also list
//! `dingtalk.com` to keep it). The default allowlist is empty: a file without `known` rows
//! publishes none, even when the previous version (or the desk) had some. Parsing is all or
//! nothing, with bad rows reported by line.

use crate::error::FeedError;
use std::collections::HashMap;
use verity_check::official::{
    KnownContact, KnownKind, OfficialDirectory, ServiceAccount, SupportStep, MAX_KNOWN,
};
use verity_core::blocklist::{normalize_entry_value, EntryKind};
use verity_core::phone::Region;

const MAX_LISTED: usize = 20;

/// Parses the directory CSV.
///
/// # Errors
/// [`FeedError::Input`] naming every bad line (up to 20) or the header problem.
pub fn parse(bytes: &[u8], default_region: Region) -> Result<OfficialDirectory, FeedError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| FeedError::Input("official CSV: the file is not UTF-8 text".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(FeedError::Input(
            "official CSV: the file is empty: expected a header line `kind,value`".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|_| FeedError::Input("official CSV: unreadable header".into()))?
        .clone();
    let mut col: HashMap<String, usize> = HashMap::new();
    for (i, name) in header.iter().enumerate() {
        col.entry(name.to_ascii_lowercase()).or_insert(i);
    }
    let (Some(&kind_i), Some(&value_i)) = (col.get("kind"), col.get("value")) else {
        return Err(FeedError::Input(
            "official CSV: the header needs `kind` and `value` columns".into(),
        ));
    };
    let account_i = col.get("account_id").copied();
    // A known contact's label: the `label` column, else the third one.
    let label_i = col.get("label").copied().or(Some(2));

    let mut d = OfficialDirectory::dingtalk_default();
    let mut seen: Vec<&'static str> = Vec::new();
    let mut bad: Vec<String> = Vec::new();
    let mut total_bad = 0usize;
    for record in reader.records() {
        let (line, result) = match record {
            Ok(r) => {
                let line = r.position().map_or(0, csv::Position::line);
                let field = |i: Option<usize>| i.and_then(|i| r.get(i)).unwrap_or("").trim();
                let kind = field(Some(kind_i)).to_ascii_lowercase();
                let extra = if kind.starts_with("known") {
                    field(label_i)
                } else {
                    field(account_i)
                };
                let row = (kind, field(Some(value_i)).to_owned(), extra.to_owned());
                (line, Ok(row))
            }
            Err(e) => (
                e.position().map_or(0, csv::Position::line),
                Err("unreadable CSV row".to_owned()),
            ),
        };
        let applied = result.and_then(|(kind, value, account)| {
            if value.is_empty() {
                return Err("the value is empty".to_owned());
            }
            let part = part_of(&kind)?;
            if !seen.contains(&part) {
                seen.push(part);
                clear(&mut d, part);
            }
            add(&mut d, (part, &kind), &value, &account, default_region)
        });
        if let Err(message) = applied {
            total_bad += 1;
            if bad.len() < MAX_LISTED {
                bad.push(format!("line {line}: {message}"));
            }
        }
    }
    if total_bad == 0 {
        // A kind and value given twice keep the later label.
        let rows = std::mem::take(&mut d.known);
        let merged = d.add_known(rows);
        if let Err(e) = merged.and_then(|()| d.validate()) {
            return Err(FeedError::Input(format!(
                "official CSV: the allowlist (nothing published): {e}"
            )));
        }
    }
    if total_bad > 0 {
        return Err(FeedError::Input(format!(
            "official CSV: {total_bad} bad row{} (nothing published): {}{}",
            if total_bad == 1 { "" } else { "s" },
            bad.join("; "),
            if total_bad > bad.len() { "; …" } else { "" }
        )));
    }
    Ok(d)
}

fn part_of(kind: &str) -> Result<&'static str, String> {
    Ok(match kind {
        "platform_name" => "platform_name",
        "domain" => "domain",
        "brand_label" => "brand_label",
        "service_account" => "service_account",
        "support_step" => "support_step",
        "phone" => "phone",
        "known" | "known_phone" | "known_domain" => "known",
        other => {
            return Err(format!(
                "unknown kind {other:?} (expected platform_name, domain, brand_label, \
                 service_account, support_step, phone, known, known_phone or known_domain)"
            ))
        }
    })
}

fn clear(d: &mut OfficialDirectory, part: &str) {
    match part {
        "platform_name" => d.platform_names.clear(),
        "domain" => d.domains.clear(),
        "brand_label" => d.brand_labels.clear(),
        "service_account" => d.service_accounts.clear(),
        "support_step" => d.support_path.clear(),
        "known" => d.known.clear(),
        _ => d.phones.clear(),
    }
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// Adds one row: `part` from [`part_of`], `kind` as written; `extra` is the `account_id` of a
/// service account, the label of a known contact.
fn add(
    d: &mut OfficialDirectory,
    (part, kind): (&str, &str),
    value: &str,
    extra: &str,
    region: Region,
) -> Result<(), String> {
    let account = extra;
    match part {
        "platform_name" => push_unique(&mut d.platform_names, value.to_owned()),
        "domain" => {
            let v = normalize_entry_value(EntryKind::Domain, value, region)
                .map_err(|e| format!("domain {value:?}: {e}"))?;
            push_unique(&mut d.domains, v);
        }
        "brand_label" => {
            let v = value.to_lowercase();
            if v.contains('.') || v.chars().any(char::is_whitespace) {
                return Err(format!(
                    "brand label {value:?} must be one label, like dingtalk"
                ));
            }
            push_unique(&mut d.brand_labels, v);
        }
        "service_account" => {
            let account_id = (!account.is_empty()).then(|| account.to_owned());
            let sa = ServiceAccount {
                name: value.to_owned(),
                account_id,
            };
            if !d.service_accounts.contains(&sa) {
                d.service_accounts.push(sa);
            }
        }
        "support_step" => {
            let step = SupportStep::ALL
                .into_iter()
                .find(|s| s.as_str() == value)
                .ok_or_else(|| {
                    format!(
                        "unknown support step {value:?} (expected open_my_tab, \
                         help_and_feedback or contact_support)"
                    )
                })?;
            d.support_path.push(step);
        }
        "known" => {
            let kind = match kind {
                "known_phone" => KnownKind::Phone,
                "known_domain" => KnownKind::Domain,
                _ if value.chars().any(char::is_alphabetic) => KnownKind::Domain,
                _ => KnownKind::Phone,
            };
            if d.known.len() >= MAX_KNOWN {
                return Err(format!("more than {MAX_KNOWN} known rows"));
            }
            let c = KnownContact::new(kind, value, extra, region)
                .map_err(|e| format!("known {kind} {value:?}: {e}"))?;
            // Repeats are merged once the file is read.
            d.known.push(c);
        }
        _ => {
            let v = normalize_entry_value(EntryKind::Phone, value, region)
                .map_err(|e| format!("phone {value:?}: {e}"))?;
            push_unique(&mut d.phones, v);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_replace_their_part_and_absent_kinds_keep_the_default() {
        let d = parse(
            b"kind,value,account_id\n\
              domain,DingTalk.com,\n\
              domain,https://dingtalk.hk/,\n\
              service_account,DingTalk Security,dt-1\n",
            Region::HK,
        )
        .unwrap();
        assert_eq!(d.domains, ["dingtalk.com", "dingtalk.hk"]);
        assert_eq!(d.service_accounts[0].account_id.as_deref(), Some("dt-1"));
        assert_eq!(
            d.platform_names,
            OfficialDirectory::dingtalk_default().platform_names
        );
        assert!(d.phones.is_empty());
    }

    #[test]
    fn known_rows_make_the_allowlist() {
        let d = parse(
            "kind,value,account_id\n\
              known,+852 6123 4567,\"Acme Supplies, accounts\"\n\
              known,https://Portal.Acme.example.com/,Acme portal\n\
              known_domain,acme.example.com,Acme\n\
              known_phone,6123 4567,Acme accounts (new desk)\n\
              domain,dingtalk.com,\n"
                .as_bytes(),
            Region::HK,
        )
        .unwrap();
        let got: Vec<(KnownKind, &str, &str)> = d
            .known
            .iter()
            .map(|k| (k.kind, k.value.as_str(), k.label.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (KnownKind::Phone, "+85261234567", "Acme accounts (new desk)"),
                (KnownKind::Domain, "portal.acme.example.com", "Acme portal"),
                (KnownKind::Domain, "acme.example.com", "Acme"),
            ]
        );
        // A `label` column wins over the third one.
        let d = parse(
            b"kind,value,account_id,label\nknown,61234567,,Courier\n",
            Region::HK,
        )
        .unwrap();
        assert_eq!(d.known[0].label, "Courier");
        // No known rows: no allowlist.
        assert!(parse(b"kind,value\ndomain,dingtalk.com\n", Region::HK)
            .unwrap()
            .known
            .is_empty());

        let err = parse(
            "kind,value,label\n\
              known,61234567,\n\
              known,com,Everyone\n\
              known,1-800-FLOWERS,Florist\n\
              known_phone,acme.example.com,Acme\n\
              known,61234567,Acme\u{202E}\n"
                .as_bytes(),
            Region::HK,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("5 bad rows"), "{err}");
        assert!(
            err.contains("line 2: known phone \"61234567\": the label is empty"),
            "{err}"
        );
        assert!(err.contains("line 3: known domain \"com\""), "{err}");
        assert!(err.contains("line 4: known domain"), "{err}");
        assert!(err.contains("line 5: known phone"), "{err}");
        assert!(
            err.contains(
                "line 6: known phone \"61234567\": the label contains the hidden character U+202E"
            ),
            "{err}"
        );
    }

    #[test]
    fn bad_rows_are_named_by_line() {
        let err = parse(
            b"kind,value\n\
              domain,dingtalk.com\n\
              fax,123\n\
              domain,not a domain\n\
              support_step,call_us\n",
            Region::HK,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("3 bad rows"), "{err}");
        assert!(err.contains("line 3: unknown kind \"fax\""), "{err}");
        assert!(err.contains("line 4: domain"), "{err}");
        assert!(err.contains("line 5: unknown support step"), "{err}");
        assert!(parse(b"value\nx\n", Region::HK).is_err());
    }
}
