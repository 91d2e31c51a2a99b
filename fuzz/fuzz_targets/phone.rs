#![no_main]
//! Any string: never a panic; the Hong Kong fast path answers exactly as the full parser does
//! (the same number, class and hints, or the same error); a number that normalises normalises
//! to itself again, and its national number is its E.164 form after the country code.
use libfuzzer_sys::fuzz_target;
use verity_core::phone::{normalize, normalize_full, Region};

fuzz_target!(|s: &str| {
    let read = normalize(s, Region::HK);
    assert_eq!(read, normalize_full(s, Region::HK), "{s:?}");
    if let Ok(n) = read {
        let again = normalize(&n.e164, Region::HK).map(|m| m.e164);
        assert_eq!(again.as_deref(), Ok(n.e164.as_str()));
        let code = n.country_code.to_string();
        assert_eq!(
            n.e164.strip_prefix('+').and_then(|r| r.strip_prefix(code.as_str())),
            Some(n.national())
        );
    }
});
