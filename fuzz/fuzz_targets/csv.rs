#![no_main]
//! Any bytes as a CSV contact export through the whole scan: never a panic, never a blow-up.
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::scan("contacts.csv", data);
});
