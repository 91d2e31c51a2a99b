#![no_main]
//! Any string: never a panic; a number that normalises normalises to itself again.
use libfuzzer_sys::fuzz_target;
use verity_core::phone::{normalize, Region};

fuzz_target!(|s: &str| {
    if let Ok(n) = normalize(s, Region::HK) {
        let again = normalize(&n.e164, Region::HK).map(|m| m.e164);
        assert_eq!(again.as_deref(), Ok(n.e164.as_str()));
    }
});
