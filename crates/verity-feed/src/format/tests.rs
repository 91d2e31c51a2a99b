//! The format's tests.

use super::decode::{decode_body, Reader};
use super::*;
use aws_lc_rs::digest::{self, SHA256};

/// The entry digest is part of the format (the published checksum depends on it): its
/// encoding, spelled out here byte by byte, for a short entry (built on the stack) and a
/// long one (on the heap).
#[test]
fn the_entry_digest_hashes_the_documented_encoding() {
    for value in [
        "+85291234567".to_owned(),
        format!("evil.example/{}", "p".repeat(300)),
    ] {
        let e = BlocklistEntry {
            kind: EntryKind::Url,
            value: value.clone(),
            category: Category::Phishing,
            campaign: Some("c1".into()),
            source: None,
            added: Timestamp(-2),
        };
        let mut want = b"verity-feed-entry/2\n".to_vec();
        want.push(3);
        want.extend_from_slice(&u32::try_from(value.len()).unwrap().to_le_bytes());
        want.extend_from_slice(value.as_bytes());
        want.extend_from_slice(&[3, 1, 2, 0, 0, 0]);
        want.extend_from_slice(b"c1");
        want.push(0);
        want.extend_from_slice(&(-2i64).to_le_bytes());
        want.push(1);
        let d = digest::digest(&SHA256, &want);
        assert_eq!(
            entry_digest(&e, true).as_slice(),
            d.as_ref(),
            "{}",
            value.len()
        );
    }
}

fn e(kind: EntryKind, v: &str, alert: bool, added: i64) -> FeedEntry {
    FeedEntry {
        entry: BlocklistEntry {
            kind,
            value: v.into(),
            category: Category::FakeSupport,
            campaign: Some("c1".into()),
            source: None,
            added: Timestamp(added),
        },
        alert,
    }
}

#[test]
fn varints_round_trip_and_reject_overlong() {
    for v in [0, 1, 127, 128, 300, u64::MAX / 3, u64::MAX] {
        let mut b = Vec::new();
        put_varint(&mut b, v);
        let mut r = Reader { buf: &b, pos: 0 };
        assert_eq!(r.varint().unwrap(), v);
        assert_eq!(r.remaining(), 0);
    }
    let mut r = Reader {
        buf: &[0xff; 11],
        pos: 0,
    };
    assert_eq!(r.varint(), Err(FormatError::BadVarint));
    for v in [0i64, 1, -1, i64::MAX, i64::MIN] {
        assert_eq!(unzigzag(zigzag(v)), v);
    }
}

#[test]
fn a_snapshot_round_trips_in_canonical_order() {
    let mut entries = vec![
        e(EntryKind::Url, "evil.example/pay", true, 100),
        e(EntryKind::Phone, "+85291234567", false, 90),
        e(EntryKind::Phone, "+12", false, 95),
        e(EntryKind::Phone, "+19", true, 80),
        e(EntryKind::Phone, "+123", false, 80),
        e(EntryKind::Domain, "dingtalk-help.example", false, 70),
    ];
    canonicalize(&mut entries);
    let f = FeedFile {
        kind: FileKind::Snapshot,
        version: 3,
        base: 0,
        created: Timestamp(100),
        checksum: list_checksum(&entries),
        official: Some(OfficialDirectory::dingtalk_default()),
        removals: vec![],
        entries: entries.clone(),
    };
    let bytes = encode(&f).unwrap();
    let back = decode(&bytes, &DecodeLimits::default()).unwrap();
    assert_eq!(back, f);
    assert_eq!(list_checksum(&back.entries), f.checksum);
    let phones: Vec<&str> = back
        .entries
        .iter()
        .filter(|e| e.entry.kind == EntryKind::Phone)
        .map(|e| e.entry.value.as_str())
        .collect();
    assert_eq!(phones, ["+12", "+123", "+19", "+85291234567"]);
}

#[test]
fn diff_and_apply_agree() {
    let mut a = vec![
        e(EntryKind::Phone, "+1", false, 1),
        e(EntryKind::Phone, "+2", false, 1),
        e(EntryKind::Domain, "a.example", false, 1),
    ];
    let mut b = vec![
        e(EntryKind::Phone, "+2", true, 1),
        e(EntryKind::Phone, "+3", false, 2),
        e(EntryKind::Domain, "a.example", false, 1),
    ];
    canonicalize(&mut a);
    canonicalize(&mut b);
    let (rm, up) = diff(&a, &b);
    assert_eq!(rm, vec![(EntryKind::Phone, "+1".to_owned())]);
    assert_eq!(up.len(), 2);
    assert_eq!(apply(&a, &rm, &up), b);
}

#[test]
fn unsorted_or_duplicate_keys_are_rejected() {
    // Hand-made body: no strings, no official, phone keys 5 then gap 0.
    let mut body = Vec::new();
    put_varint(&mut body, 0);
    put_varint(&mut body, 0);
    put_varint(&mut body, 2);
    put_varint(&mut body, 5);
    put_varint(&mut body, 0);
    body.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
    let h = Header {
        kind: FileKind::Snapshot,
        version: 1,
        base: 0,
        created: Timestamp(0),
        body_len: usize_of(body.len()),
        checksum: Checksum([0; 32]),
    };
    assert_eq!(
        decode_body(&h, &body, &DecodeLimits::default()),
        Err(FormatError::NotSorted(EntryKind::Phone))
    );
}

#[test]
fn headers_are_checked() {
    assert_eq!(decode_header(b"short"), Err(FormatError::Truncated));
    assert_eq!(
        decode_header(&[0u8; HEADER_LEN]),
        Err(FormatError::NotAFeedFile)
    );
    let f = FeedFile {
        kind: FileKind::Snapshot,
        version: 1,
        base: 0,
        created: Timestamp(0),
        checksum: list_checksum(&[]),
        official: None,
        removals: vec![],
        entries: vec![],
    };
    let mut bytes = encode(&f).unwrap();
    bytes[4] = 9;
    assert_eq!(
        decode(&bytes, &DecodeLimits::default()),
        Err(FormatError::UnsupportedFormat(9))
    );
    bytes[4] = FORMAT_VERSION;
    bytes.push(0);
    assert_eq!(
        decode(&bytes, &DecodeLimits::default()),
        Err(FormatError::TrailingData)
    );
}

#[test]
fn a_body_larger_than_the_limit_is_refused_before_inflating() {
    let f = FeedFile {
        kind: FileKind::Snapshot,
        version: 1,
        base: 0,
        created: Timestamp(0),
        checksum: list_checksum(&[]),
        official: None,
        removals: vec![],
        entries: (0..1000)
            .map(|i| e(EntryKind::Phone, &format!("+8529{i:07}"), false, 0))
            .collect(),
    };
    let bytes = encode(&f).unwrap();
    let limits = DecodeLimits {
        max_body: 100,
        ..DecodeLimits::default()
    };
    assert!(matches!(
        decode(&bytes, &limits),
        Err(FormatError::TooLarge { .. })
    ));
    let limits = DecodeLimits {
        max_entries: 10,
        ..DecodeLimits::default()
    };
    assert!(matches!(
        decode(&bytes, &limits),
        Err(FormatError::TooLarge { .. })
    ));
}

fn known(kind: verity_check::official::KnownKind, value: &str, label: &str) -> serde_json::Value {
    serde_json::json!({ "kind": kind.as_str(), "value": value, "label": label })
}

/// A snapshot body with no entries and `official` as its directory's JSON.
fn body_with_official(official: &serde_json::Value) -> (Header, Vec<u8>) {
    let json = serde_json::to_vec(official).unwrap();
    let mut body = Vec::new();
    put_varint(&mut body, 0);
    put_varint(&mut body, usize_of(json.len()));
    body.extend_from_slice(&json);
    for _ in KINDS {
        put_varint(&mut body, 0);
    }
    let h = Header {
        kind: FileKind::Snapshot,
        version: 1,
        base: 0,
        created: Timestamp(0),
        body_len: usize_of(body.len()),
        checksum: Checksum([0; 32]),
    };
    (h, body)
}

#[test]
fn the_organisations_known_contacts_round_trip_and_bad_ones_refuse_the_file() {
    use verity_check::official::{KnownContact, KnownKind};
    use verity_core::phone::Region;
    let mut d = OfficialDirectory::dingtalk_default();
    d.add_known(vec![
        KnownContact::new(KnownKind::Phone, "6123 4567", "Acme, accounts", Region::HK).unwrap(),
        KnownContact::new(
            KnownKind::Domain,
            "acme.example.com",
            "Acme 供應商",
            Region::HK,
        )
        .unwrap(),
    ])
    .unwrap();
    let f = FeedFile {
        kind: FileKind::Snapshot,
        version: 1,
        base: 0,
        created: Timestamp(100),
        checksum: list_checksum(&[]),
        official: Some(d.clone()),
        removals: vec![],
        entries: vec![],
    };
    let back = decode(&encode(&f).unwrap(), &DecodeLimits::default()).unwrap();
    assert_eq!(back.official.as_ref().map(|o| &o.known), Some(&d.known));

    // A directory from before the allowlist (no `known`) still reads.
    let mut old = serde_json::to_value(OfficialDirectory::dingtalk_default()).unwrap();
    old.as_object_mut().unwrap().remove("known");
    let (h, body) = body_with_official(&old);
    let back = decode_body(&h, &body, &DecodeLimits::default()).unwrap();
    assert_eq!(back.official, Some(OfficialDirectory::dingtalk_default()));
    // And an older client ignores the new field: nothing in the directory denies unknown fields.
    let mut newer = serde_json::to_value(&d).unwrap();
    newer["a_field_from_the_future"] = serde_json::json!([1, 2]);
    let (h, body) = body_with_official(&newer);
    assert!(decode_body(&h, &body, &DecodeLimits::default()).is_ok());

    // Garbage refuses the file, saying which contact and why.
    let bad: &[(serde_json::Value, &str)] = &[
        (
            serde_json::json!([known(KnownKind::Phone, "61234567", "Acme")]),
            "known contact #1 (phone \"61234567\")",
        ),
        (
            serde_json::json!([known(KnownKind::Domain, "Acme.Example.com", "Acme")]),
            "not normalised",
        ),
        (
            serde_json::json!([known(KnownKind::Domain, "com.hk", "Acme")]),
            "\"com.hk\" is not a domain name",
        ),
        (
            serde_json::json!([known(KnownKind::Domain, "10.0.0.1", "Acme")]),
            "not a domain name",
        ),
        (
            serde_json::json!([
                known(KnownKind::Phone, "+85261234567", "Acme"),
                known(KnownKind::Phone, "+85261234567", "Other")
            ]),
            "listed twice",
        ),
        (
            serde_json::json!([known(
                KnownKind::Phone,
                "+85261234567",
                "Acme\u{202E}ylppuS"
            )]),
            "hidden character U+202E",
        ),
        (
            serde_json::json!([known(KnownKind::Phone, "+85261234567", "")]),
            "label is empty",
        ),
        (
            serde_json::json!([known(KnownKind::Phone, "+85261234567", &"x".repeat(81))]),
            "81 characters",
        ),
        (
            serde_json::json!([{ "kind": "email", "value": "a@b.c", "label": "x" }]),
            "unknown variant",
        ),
        (
            serde_json::json!([{ "kind": "phone", "value": "+85261234567" }]),
            "missing field `label`",
        ),
        (serde_json::json!("everyone"), "invalid type"),
    ];
    for (known_json, want) in bad {
        let mut v = serde_json::to_value(OfficialDirectory::dingtalk_default()).unwrap();
        v["known"] = known_json.clone();
        let (h, body) = body_with_official(&v);
        match decode_body(&h, &body, &DecodeLimits::default()) {
            Err(FormatError::BadOfficial(m)) => assert!(m.contains(want), "{want}: {m}"),
            other => panic!("{want}: {other:?}"),
        }
    }
    let too_many: Vec<serde_json::Value> = (0..=verity_check::official::MAX_KNOWN)
        .map(|i| known(KnownKind::Domain, &format!("s{i}.example.com"), "x"))
        .collect();
    let mut v = serde_json::to_value(OfficialDirectory::dingtalk_default()).unwrap();
    v["known"] = serde_json::Value::Array(too_many);
    let (h, body) = body_with_official(&v);
    match decode_body(&h, &body, &DecodeLimits::default()) {
        Err(FormatError::BadOfficial(m)) => assert!(m.contains("at most 10000"), "{m}"),
        other => panic!("{other:?}"),
    }

    // The publisher refuses what clients would.
    let mut d = OfficialDirectory::dingtalk_default();
    d.known.push(KnownContact {
        kind: KnownKind::Phone,
        value: "61234567".into(),
        label: "Acme".into(),
    });
    let f = FeedFile {
        official: Some(d),
        ..f
    };
    assert!(
        matches!(encode(&f), Err(FormatError::Unencodable(m)) if m.contains("known contact #1"))
    );
}

#[test]
fn phone_values_are_written_as_format_writes_them() {
    for v in [1u64, 9, 10, 85_250_000_000, 99_999_999_999_999, u64::MAX] {
        assert_eq!(super::decode::phone_value(v), format!("+{v}"));
    }
}
