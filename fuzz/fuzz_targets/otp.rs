#![no_main]
//! Any message text through the one-time-code detector: never a panic, and the same answer twice.
use libfuzzer_sys::fuzz_target;
use verity_tripwire::otp::one_time_code;

fuzz_target!(|s: &str| {
    let first = one_time_code(s);
    assert_eq!(first, one_time_code(s));
});
