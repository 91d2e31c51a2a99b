#![no_main]
//! Any bytes as a blocklist CSV: never a panic.
use libfuzzer_sys::fuzz_target;
use verity_core::entry_csv::parse_entries;
use verity_core::phone::Region;
use verity_core::Timestamp;

fuzz_target!(|data: &[u8]| {
    let _ = parse_entries(data, Timestamp(0), Region::HK);
});
