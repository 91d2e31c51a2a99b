#![no_main]
//! An `.xlsx` through the whole scan. Raw bytes would mostly stop at the ZIP layer, so the input
//! is the XML: the sheet (`xl/worksheets/sheet1.xml`), then after the first NUL byte the shared
//! strings (`xl/sharedStrings.xml`), wrapped in a valid workbook. Never a panic, never a blow-up.
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let (sheet, shared) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    common::scan("contacts.xlsx", &common::xlsx(sheet, shared));
});
