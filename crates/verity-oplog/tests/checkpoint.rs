//! Checkpoints and signed notes: the Go `sumdb/note` reference note, the spec's example body,
//! a golden signed checkpoint, round trips, and every way a note or a body can be refused.

#![allow(clippy::unwrap_used)]

use data_encoding::BASE64;
use ed25519_dalek::SigningKey;
use proptest::prelude::*;
use verity_oplog::{
    consistency_proof, inclusion_proof, leaf_hash, open_note, sign_note, verify_entries,
    Checkpoint, CheckpointError, EntryToVerify, MemoryTree, NoteError, NoteVerifier, Previous,
    VerifyError, MAX_NOTE_BYTES,
};

// golang.org/x/mod/sumdb/note's documented example (note.go, note_test.go).
const GO_SKEY_SEED: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n";
const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n\
                       \n\
                       \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

const ORIGIN: &str = "desk.example/oplog";

fn go_key() -> SigningKey {
    let bytes = BASE64.decode(GO_SKEY_SEED.as_bytes()).unwrap();
    assert_eq!(bytes[0], 1);
    SigningKey::from_bytes(&bytes[1..].try_into().unwrap())
}

fn desk_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn desk_verifier() -> NoteVerifier {
    NoteVerifier::new(ORIGIN, desk_key().verifying_key()).unwrap()
}

fn checkpoint() -> Checkpoint {
    Checkpoint {
        origin: ORIGIN.to_owned(),
        size: 20852163,
        root: BASE64
            .decode(b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
            .unwrap()
            .try_into()
            .unwrap(),
        extensions: vec![],
    }
}

#[test]
fn the_go_reference_note_is_reproduced_and_opened() {
    let verifier = NoteVerifier::from_vkey(GO_VKEY).unwrap();
    assert_eq!(verifier.id(), 0xc74f20a3);
    assert_eq!(verifier.to_vkey(), GO_VKEY);
    assert_eq!(
        verifier,
        NoteVerifier::new("PeterNeumann", go_key().verifying_key()).unwrap()
    );
    // Ed25519 is deterministic: the same key and text give Go's bytes exactly.
    assert_eq!(
        sign_note(GO_TEXT, "PeterNeumann", &go_key()).unwrap(),
        GO_NOTE
    );
    assert_eq!(
        open_note(GO_NOTE.as_bytes(), std::slice::from_ref(&verifier)).unwrap(),
        GO_TEXT
    );
    let tampered = GO_NOTE.replace("cryptography", "cryptographY");
    assert_eq!(
        open_note(tampered.as_bytes(), &[verifier]),
        Err(NoteError::InvalidSignature("PeterNeumann".into()))
    );
}

#[test]
fn verifier_keys_are_checked() {
    for bad in [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // wrong ID
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", // not lower hex
        "PeterNeumann+c74f20a3+AhpcQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // bad base64
        "PeterNeumann+c74f20a3+AhpfQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW=", // algorithm 2
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ] {
        assert!(NoteVerifier::from_vkey(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn the_body_is_the_specs_format() {
    // The example of c2sp.org/tlog-checkpoint, origin aside.
    let expected = "desk.example/oplog\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    assert_eq!(checkpoint().to_note_body().unwrap(), expected);
    assert_eq!(Checkpoint::parse_body(expected).unwrap(), checkpoint());
    let mut with_extension = checkpoint();
    with_extension.extensions = vec!["a note".into(), "another".into()];
    let body = with_extension.to_note_body().unwrap();
    assert_eq!(body, format!("{expected}a note\nanother\n"));
    assert_eq!(Checkpoint::parse_body(&body).unwrap(), with_extension);
}

/// Produced by this crate once; the Go vector above shows the same code is byte-compatible.
#[test]
fn golden_signed_checkpoint() {
    let note = checkpoint().sign(ORIGIN, &desk_key()).unwrap();
    let expected = "desk.example/oplog\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\
                    \u{2014} desk.example/oplog 8UokGjXwcUI+we8Y8HBuKxymwu7jpHsbtOp2D4ReMz0BgBFAuxWijtNuk5OjWTXiN5mraEPbpPYOlzwBGdiLBaBEbAU=\n";
    assert_eq!(note, expected);
    assert_eq!(
        Checkpoint::open(note.as_bytes(), ORIGIN, &desk_verifier()).unwrap(),
        checkpoint()
    );
}

#[test]
fn round_trip_with_extensions() {
    let mut cp = checkpoint();
    cp.size = 0;
    cp.extensions = vec!["ext \u{e9}".into()];
    let note = cp.sign(ORIGIN, &desk_key()).unwrap();
    assert_eq!(
        Checkpoint::open(note.as_bytes(), ORIGIN, &desk_verifier()).unwrap(),
        cp
    );
}

/// A note signed by the desk's key over `text`: the body rules are then all that can fail.
fn signed(text: &str) -> String {
    sign_note(text, ORIGIN, &desk_key()).unwrap()
}

fn open(note: &str) -> Result<Checkpoint, CheckpointError> {
    Checkpoint::open(note.as_bytes(), ORIGIN, &desk_verifier())
}

#[test]
fn non_canonical_bodies_are_refused() {
    let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
    let cases: &[(String, CheckpointError)] = &[
        (format!("{ORIGIN}\n5\n"), CheckpointError::MissingLine),
        (format!("{ORIGIN}\n"), CheckpointError::MissingLine),
        (format!("\n5\n{root}\n"), CheckpointError::EmptyOrigin),
        (format!("{ORIGIN}\n05\n{root}\n"), CheckpointError::BadSize),
        (format!("{ORIGIN}\n00\n{root}\n"), CheckpointError::BadSize),
        (format!("{ORIGIN}\n+5\n{root}\n"), CheckpointError::BadSize),
        (format!("{ORIGIN}\n-0\n{root}\n"), CheckpointError::BadSize),
        (format!("{ORIGIN}\n 5\n{root}\n"), CheckpointError::BadSize),
        (format!("{ORIGIN}\n\n{root}\n"), CheckpointError::BadSize),
        (format!("{ORIGIN}\n5x\n{root}\n"), CheckpointError::BadSize),
        (
            format!("{ORIGIN}\n18446744073709551616\n{root}\n"),
            CheckpointError::BadSize,
        ),
        (
            format!("{ORIGIN}\n5\n{}\n", &root[4..]),
            CheckpointError::BadRoot,
        ),
        (
            format!("{ORIGIN}\n5\n{}\n", root.trim_end_matches('=')),
            CheckpointError::BadRoot,
        ),
        // 'J' instead of 'I' sets a padding bit: the same bytes, a second spelling.
        (
            format!("{ORIGIN}\n5\n{}J=\n", &root[..42]),
            CheckpointError::BadRoot,
        ),
        (
            format!("{ORIGIN}\n5\n{}\n", BASE64.encode(&[0; 33])),
            CheckpointError::BadRoot,
        ),
        (format!("{ORIGIN}\n5\n{root}\n\n"), CheckpointError::BadLine),
        (
            format!("{ORIGIN}\n5\n{root}\next\n\nmore\n"),
            CheckpointError::BadLine,
        ),
    ];
    for (text, error) in cases {
        assert_eq!(open(&signed(text)).as_ref(), Err(error), "{text:?}");
    }
    // The largest size there is still parses.
    let max = format!("{ORIGIN}\n18446744073709551615\n{root}\n");
    assert_eq!(open(&signed(&max)).unwrap().size, u64::MAX);
    // A checkpoint of another log signed by the same key.
    assert!(matches!(
        open(&signed(&format!("other.example/log\n5\n{root}\n"))),
        Err(CheckpointError::OriginMismatch { .. })
    ));
}

#[test]
fn unwritable_checkpoints_are_refused() {
    let mut cp = checkpoint();
    cp.origin = String::new();
    assert_eq!(cp.to_note_body(), Err(CheckpointError::EmptyOrigin));
    cp.origin = "a\nb".into();
    assert_eq!(cp.to_note_body(), Err(CheckpointError::BadLine));
    let mut cp = checkpoint();
    cp.extensions = vec![String::new()];
    assert_eq!(cp.to_note_body(), Err(CheckpointError::BadLine));
    assert_eq!(
        checkpoint().sign("bad name", &desk_key()),
        Err(CheckpointError::Note(NoteError::BadKeyName))
    );
}

#[test]
fn tampered_or_foreign_notes_are_refused() {
    let note = checkpoint().sign(ORIGIN, &desk_key()).unwrap();
    let note_err = |n: &str| match open(n) {
        Err(CheckpointError::Note(e)) => e,
        other => panic!("{n:?} gave {other:?}"),
    };
    // The size, the root, the signature changed.
    let bigger = note.replace("20852163", "20852164");
    assert_eq!(
        note_err(&bigger),
        NoteError::InvalidSignature(ORIGIN.into())
    );
    let other_root = note.replace("CsUY", "DsUY");
    assert_eq!(
        note_err(&other_root),
        NoteError::InvalidSignature(ORIGIN.into())
    );
    let sig_start = note.rfind(' ').unwrap() + 1;
    let mut bad_sig = note.clone();
    bad_sig.replace_range(sig_start + 10..sig_start + 11, "A");
    assert_ne!(bad_sig, note);
    assert_eq!(
        note_err(&bad_sig),
        NoteError::InvalidSignature(ORIGIN.into())
    );
    // Another key under the desk's name: its key ID differs, so it is not a signature by the
    // trusted key at all.
    let forged = checkpoint()
        .sign(ORIGIN, &SigningKey::from_bytes(&[8; 32]))
        .unwrap();
    assert_eq!(note_err(&forged), NoteError::NoTrustedSignature);
    // A signature by someone else beside the desk's is ignored; alone it is not enough.
    let witness = sign_note(
        &checkpoint().to_note_body().unwrap(),
        "witness.example",
        &go_key(),
    )
    .unwrap();
    let witness_line = &witness[witness.rfind("\n\n").unwrap() + 2..];
    assert_eq!(
        open(&format!("{note}{witness_line}")).unwrap(),
        checkpoint()
    );
    assert_eq!(note_err(&witness), NoteError::NoTrustedSignature);
    // Structure.
    let body = checkpoint().to_note_body().unwrap();
    assert_eq!(note_err(&body), NoteError::Malformed);
    assert_eq!(note_err(&format!("{body}\n")), NoteError::Malformed);
    assert_eq!(note_err(note.trim_end_matches('\n')), NoteError::Malformed);
    assert_eq!(
        note_err(&note.replace('\u{2014}', "-")),
        NoteError::BadSignatureLine
    );
    assert_eq!(
        note_err(&note.replace("\u{2014} ", "\u{2014}")),
        NoteError::BadSignatureLine
    );
    // A trailing blank line moves the split after the signature: no signatures at all.
    assert_eq!(note_err(&format!("{note}\n")), NoteError::Malformed);
    assert_eq!(
        note_err(&note.replace("=\n", "\n")),
        NoteError::BadSignatureLine
    );
    assert_eq!(
        note_err(&format!("{note}\u{2014} x AAAA\n")),
        NoteError::BadSignatureLine
    );
    assert_eq!(
        note_err(&format!("{note}\u{2014} a+b AAAAAA==\n")),
        NoteError::BadKeyName
    );
    assert_eq!(
        note_err(&note.replace("20852163", "2085\r2163")),
        NoteError::ControlCharacter
    );
    let mut not_utf8 = note.clone().into_bytes();
    not_utf8[3] = 0xff;
    assert!(matches!(
        Checkpoint::open(&not_utf8, ORIGIN, &desk_verifier()),
        Err(CheckpointError::Note(NoteError::NotUtf8))
    ));
    let many = format!("{note}{}", "\u{2014} w AAAAAAA=\n".repeat(100));
    assert_eq!(note_err(&many), NoteError::TooManySignatures);
    let huge = format!("{note}{}", "x".repeat(MAX_NOTE_BYTES));
    assert_eq!(note_err(&huge), NoteError::TooLarge);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any bytes: an answer, never a panic, and never a checkpoint without the desk's key.
    #[test]
    fn any_bytes_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        prop_assert!(Checkpoint::open(&bytes, ORIGIN, &desk_verifier()).is_err());
    }

    /// Any checkpoint the desk can write reads back the same, and any text that parses as a
    /// body is the one its checkpoint writes (one spelling per checkpoint).
    #[test]
    fn bodies_round_trip(
        origin in "[^\\x00-\\x1f\\x7f-\\u{9f}]{1,40}",
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
        extensions in proptest::collection::vec("[a-z =+/]{1,20}", 0..3),
        junk in "[0-9A-Za-z+/=\n]{0,80}",
    ) {
        let cp = Checkpoint { origin, size, root, extensions };
        let body = cp.to_note_body().unwrap();
        prop_assert_eq!(Checkpoint::parse_body(&body), Ok(cp.clone()));
        let note = cp.sign(ORIGIN, &desk_key()).unwrap();
        prop_assert_eq!(Checkpoint::open(note.as_bytes(), &cp.origin, &desk_verifier()), Ok(cp));
        let text = format!("{ORIGIN}\n{junk}\n");
        if let Ok(parsed) = Checkpoint::parse_body(&text) {
            prop_assert_eq!(parsed.to_note_body().unwrap(), text);
        }
    }

    /// Any one byte of a signed checkpoint changed: refused.
    #[test]
    fn any_changed_byte_is_refused(at in any::<prop::sample::Index>(), xor in 1u8..) {
        let mut note = checkpoint().sign(ORIGIN, &desk_key()).unwrap().into_bytes();
        let i = at.index(note.len());
        note[i] ^= xor;
        prop_assert!(Checkpoint::open(&note, ORIGIN, &desk_verifier()).is_err());
    }
}

/// The console's check: a page of entries against a signed checkpoint, after the consistency
/// proof from the checkpoint it kept.
#[test]
fn the_console_verifies_a_page_and_names_the_entry_that_fails() {
    let entries: Vec<Vec<u8>> = (0..1000u32)
        .map(|i| format!("op {i}").into_bytes())
        .collect();
    let mut tree = MemoryTree::new(1);
    for e in &entries[..600] {
        tree.append(leaf_hash(e));
    }
    let old = Checkpoint {
        origin: ORIGIN.into(),
        size: 600,
        root: tree.root(),
        extensions: vec![],
    };
    for e in &entries[600..] {
        tree.append(leaf_hash(e));
    }
    let new = Checkpoint {
        size: 1000,
        root: tree.root(),
        ..old.clone()
    };
    let note = new.sign(ORIGIN, &desk_key()).unwrap();
    let consistency = consistency_proof(600, 1000, &tree).unwrap();
    let page: Vec<u64> = (590..610).collect();
    let proofs: Vec<_> = page
        .iter()
        .map(|&i| inclusion_proof(i, 1000, &tree).unwrap())
        .collect();
    let to_verify = |data: &dyn Fn(u64) -> Vec<u8>| -> Vec<(u64, Vec<u8>)> {
        page.iter().map(|&i| (i, data(i))).collect()
    };
    let check = |rows: &[(u64, Vec<u8>)], previous: Option<Previous<'_>>| {
        let list: Vec<_> = rows
            .iter()
            .zip(&proofs)
            .map(|((index, data), proof)| EntryToVerify {
                index: *index,
                data,
                proof,
            })
            .collect();
        verify_entries(note.as_bytes(), ORIGIN, &desk_verifier(), previous, &list)
    };
    let previous = Previous {
        checkpoint: &old,
        proof: &consistency,
    };

    let honest = to_verify(&|i| entries[i as usize].clone());
    let report = check(&honest, Some(previous)).unwrap();
    assert!(report.all_verified());
    assert_eq!(report.verified, 20);
    assert_eq!(report.summary(), "verified up to checkpoint 1000");

    // The desk shows an entry other than the one it logged.
    let edited = to_verify(&|i| {
        if i == 603 {
            b"op 603, edited".to_vec()
        } else {
            entries[i as usize].clone()
        }
    });
    let report = check(&edited, Some(previous)).unwrap();
    assert_eq!(report.failed, vec![(603, VerifyError::RootMismatch)]);
    assert_eq!(report.verified, 19);
    assert!(report
        .summary()
        .starts_with("entry 603 failed verification against checkpoint 1000"));

    // A rewritten history: the kept checkpoint is not a prefix of the new one.
    let mut rewritten = old.clone();
    rewritten.root[0] ^= 1;
    let err = check(
        &honest,
        Some(Previous {
            checkpoint: &rewritten,
            proof: &consistency,
        }),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        verity_oplog::AuditError::Inconsistent {
            old: 600,
            new: 1000,
            ..
        }
    ));

    // A checkpoint signed by someone else.
    let forged = new.sign(ORIGIN, &SigningKey::from_bytes(&[9; 32])).unwrap();
    assert!(verify_entries(forged.as_bytes(), ORIGIN, &desk_verifier(), None, &[]).is_err());
}
