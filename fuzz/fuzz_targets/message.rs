#![no_main]
//! Any text through the whole check: never a panic.
use libfuzzer_sys::fuzz_target;
use verity_check::lookup::BlocklistIndex;
use verity_check::check::{check, CheckContext};
use verity_check::official::OfficialDirectory;
use verity_core::phone::Region;

fuzz_target!(|s: &str| {
    let index = BlocklistIndex::build(Vec::new());
    let official = OfficialDirectory::dingtalk_default();
    let ctx = CheckContext { index: &index, official: &official, default_region: Region::HK };
    let _ = check(s, None, &ctx);
});
