#![no_main]
//! Any string: never a panic; canonicalisation is idempotent; lookups never panic.
use libfuzzer_sys::fuzz_target;
use verity_core::link::{canonicalize, lookup_expressions};

fuzz_target!(|s: &str| {
    if let Ok(c) = canonicalize(s) {
        let _ = lookup_expressions(&c);
        let again = canonicalize(&c.canonical).map(|d| d.canonical);
        assert_eq!(again.as_deref(), Ok(c.canonical.as_str()));
    }
});
