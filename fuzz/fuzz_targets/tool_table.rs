#![no_main]
//! A remote-access tool table (as the feed would carry it) and a file name, split at the first
//! NUL: parsing never panics, and a table that parses, like the built-in one, matches any process
//! name, path and installer name without a panic.
use libfuzzer_sys::fuzz_target;
use verity_tripwire::remote::ToolTable;

fn lookups(table: &ToolTable, name: &str) {
    let _ = table.process(name, None);
    let _ = table.process(name, Some(name));
    let _ = table.installer(name);
}

fuzz_target!(|data: &[u8]| {
    let (table, name) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[..0]),
    };
    let name = String::from_utf8_lossy(name);
    if let Ok(t) = ToolTable::parse(table) {
        lookups(&t, &name);
    }
    lookups(&ToolTable::builtin(), &name);
});
