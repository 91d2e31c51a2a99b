//! Encoding a snapshot or delta file.

use super::*;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use std::collections::BTreeMap;
use std::io::Write;

/// Encodes a file. Entries and removals may come in any order; values must be normalised.
///
/// # Errors
/// [`FormatError::Unencodable`] for a value the format cannot carry (a phone value that is not
/// E.164, an over-long value or string, a delta whose base is not below its version).
pub fn encode(file: &FeedFile) -> Result<Vec<u8>, FormatError> {
    match file.kind {
        FileKind::Snapshot if file.base != 0 || !file.removals.is_empty() => {
            return Err(FormatError::Unencodable(
                "a snapshot has no base and no removals".into(),
            ))
        }
        FileKind::Delta if file.base == 0 || file.base >= file.version => {
            return Err(FormatError::Unencodable(
                "a delta's base must be a positive version below its own".into(),
            ))
        }
        _ => {}
    }
    if file.version == 0 {
        return Err(FormatError::Unencodable("versions start at 1".into()));
    }

    let strings = string_table(file)?;
    let mut body = Vec::new();
    put_varint(&mut body, usize_of(strings.len()));
    for s in strings.keys() {
        put_varint(&mut body, usize_of(s.len()));
        body.extend_from_slice(s.as_bytes());
    }
    match &file.official {
        None => put_varint(&mut body, 0),
        Some(d) => {
            d.validate()
                .map_err(|e| FormatError::Unencodable(format!("official directory: {e}")))?;
            let json = serde_json::to_vec(d)
                .map_err(|e| FormatError::Unencodable(format!("official directory: {e}")))?;
            if json.len() > MAX_OFFICIAL_WRITE_LEN {
                return Err(FormatError::Unencodable(format!(
                    "the official directory is too large: {} bytes, at most {MAX_OFFICIAL_WRITE_LEN} \
                     (fewer known contacts, or shorter labels)",
                    json.len()
                )));
            }
            put_varint(&mut body, usize_of(json.len()));
            body.extend_from_slice(&json);
        }
    }
    if file.kind == FileKind::Delta {
        for kind in KINDS {
            let mut keys: Vec<&str> = file
                .removals
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, v)| v.as_str())
                .collect();
            put_keys(&mut body, kind, &mut keys)?;
        }
    }
    for kind in KINDS {
        put_entries(&mut body, file, kind, &strings)?;
    }

    let mut out = Vec::with_capacity(HEADER_LEN + body.len() / 4);
    out.extend_from_slice(&MAGIC);
    out.push(FORMAT_VERSION);
    out.push(file.kind.code());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&file.version.to_le_bytes());
    out.extend_from_slice(&file.base.to_le_bytes());
    out.extend_from_slice(&file.created.0.to_le_bytes());
    out.extend_from_slice(&usize_of(body.len()).to_le_bytes());
    out.extend_from_slice(&file.checksum.0);
    let mut enc = DeflateEncoder::new(out, Compression::new(6));
    enc.write_all(&body)
        .map_err(|e| FormatError::Unencodable(format!("compression failed: {e}")))?;
    enc.finish()
        .map_err(|e| FormatError::Unencodable(format!("compression failed: {e}")))
}

/// The string table: every campaign and source, sorted, numbered from 1.
fn string_table(file: &FeedFile) -> Result<BTreeMap<&str, u64>, FormatError> {
    let mut strings: BTreeMap<&str, u64> = BTreeMap::new();
    for e in &file.entries {
        for s in [&e.entry.campaign, &e.entry.source].into_iter().flatten() {
            if s.len() > MAX_STRING_LEN {
                return Err(FormatError::Unencodable(format!(
                    "a campaign or source longer than {MAX_STRING_LEN} bytes"
                )));
            }
            strings.insert(s.as_str(), 0);
        }
    }
    for (i, v) in strings.values_mut().enumerate() {
        *v = usize_of(i) + 1;
    }
    Ok(strings)
}

/// Writes the entries of one kind: keys, flags, campaign and source indexes, dates.
fn put_entries(
    body: &mut Vec<u8>,
    file: &FeedFile,
    kind: EntryKind,
    strings: &BTreeMap<&str, u64>,
) -> Result<(), FormatError> {
    let mut of_kind: Vec<&FeedEntry> = file
        .entries
        .iter()
        .filter(|e| e.entry.kind == kind)
        .collect();
    if kind == EntryKind::Phone {
        // Sort by the integer value, the order the keys are written in.
        let mut keyed = Vec::with_capacity(of_kind.len());
        for e in of_kind {
            let n = phone_to_int(&e.entry.value).ok_or_else(|| {
                FormatError::Unencodable(format!("phone value {:?} is not E.164", e.entry.value))
            })?;
            keyed.push((n, e));
        }
        keyed.sort_by_key(|(n, _)| *n);
        of_kind = keyed.into_iter().map(|(_, e)| e).collect();
    } else {
        of_kind.sort_by(|a, b| a.entry.value.as_bytes().cmp(b.entry.value.as_bytes()));
    }
    let mut keys: Vec<&str> = of_kind.iter().map(|e| e.entry.value.as_str()).collect();
    put_keys(body, kind, &mut keys)?;
    for e in &of_kind {
        body.push(category_code(e.entry.category) | if e.alert { 0x80 } else { 0 });
    }
    for campaign_column in [true, false] {
        for e in &of_kind {
            let s = if campaign_column {
                &e.entry.campaign
            } else {
                &e.entry.source
            };
            let idx = s
                .as_deref()
                .and_then(|s| strings.get(s).copied())
                .unwrap_or(0);
            put_varint(body, idx);
        }
    }
    let mut prev = file.created.0;
    for e in &of_kind {
        let d = e
            .entry
            .added
            .0
            .checked_sub(prev)
            .ok_or_else(|| FormatError::Unencodable("an entry date is out of range".into()))?;
        put_varint(body, zigzag(d));
        prev = e.entry.added.0;
    }
    Ok(())
}

/// Writes one kind's keys, sorted for that kind; refuses duplicates.
pub(super) fn put_keys(
    body: &mut Vec<u8>,
    kind: EntryKind,
    keys: &mut [&str],
) -> Result<(), FormatError> {
    put_varint(body, usize_of(keys.len()));
    if kind == EntryKind::Phone {
        let mut ints = Vec::with_capacity(keys.len());
        for k in keys.iter() {
            ints.push(phone_to_int(k).ok_or_else(|| {
                FormatError::Unencodable(format!("phone value {k:?} is not E.164"))
            })?);
        }
        ints.sort_unstable();
        let mut prev = 0u64;
        for (i, n) in ints.iter().enumerate() {
            if i > 0 && *n == prev {
                return Err(FormatError::Unencodable(format!(
                    "phone +{n} appears twice"
                )));
            }
            put_varint(body, n - prev);
            prev = *n;
        }
    } else {
        keys.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let mut prev: &[u8] = &[];
        for (i, k) in keys.iter().enumerate() {
            if !text_value_ok(k) {
                return Err(FormatError::Unencodable(format!(
                    "{kind} value {k:?} cannot be carried"
                )));
            }
            let k = k.as_bytes();
            if i > 0 && k == prev {
                return Err(FormatError::Unencodable(format!(
                    "{kind} value {:?} appears twice",
                    String::from_utf8_lossy(k)
                )));
            }
            let shared = prev.iter().zip(k).take_while(|(a, b)| a == b).count();
            put_varint(body, usize_of(shared));
            put_varint(body, usize_of(k.len() - shared));
            body.extend_from_slice(&k[shared..]);
            prev = k;
        }
    }
    Ok(())
}
