#![no_main]
//! An `.ods` through the whole scan. Raw bytes would mostly stop at the ZIP layer, so the input
//! is `content.xml`, wrapped in a valid archive. Never a panic, never a blow-up.
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::scan("contacts.ods", &common::ods(data));
});
