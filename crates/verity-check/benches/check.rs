//! Check latency against a blocklist of 100 000 entries: a phone number, a link and a
//! 300-character message, plus the parts (index probe, phone normalisation, canonicalisation)
//! and the one-off costs (first phone parse, index build), printed before the runs.
//!
//! `CARGO_TARGET_DIR=/work/target-core cargo bench -p verity-check --bench check` (in verity-core when these figures were taken)

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

use verity_core::blocklist::{BlocklistEntry, Category, EntryKind};

use verity_check::check::{check, CheckContext};
use verity_check::lookup::BlocklistIndex;
use verity_check::official::OfficialDirectory;
use verity_check::verdict::CheckKind;
use verity_core::clock::Timestamp;
use verity_core::link::canonicalize;
use verity_core::phone::{self, Region};

const ENTRIES: usize = 100_000;

fn entries() -> Vec<BlocklistEntry> {
    let mut v = Vec::with_capacity(ENTRIES);
    let e = |kind, value: String, category| BlocklistEntry {
        kind,
        value,
        category,
        campaign: Some("bench".to_owned()),
        source: Some("bench".to_owned()),
        added: Timestamp(1_750_000_000),
    };
    for i in 0..ENTRIES * 6 / 10 {
        v.push(e(
            EntryKind::Phone,
            format!("+8523{:07}", i),
            Category::FakeSupport,
        ));
    }
    for i in 0..ENTRIES * 3 / 10 {
        v.push(e(
            EntryKind::Domain,
            format!("scam-site-{i}.xyz"),
            Category::Phishing,
        ));
    }
    for i in 0..ENTRIES / 10 {
        v.push(e(
            EntryKind::Url,
            format!("pay-{i}.top/upgrade/"),
            Category::FakeUpgrade,
        ));
    }
    v
}

const MESSAGE: &str =
    "【釘釘】您的企業帳戶因異常將於24小時內被凍結。請立即致電釘釘客服熱線 3000 0042 \
或登入 https://dingtalk-hk.com/login 完成驗證，並繳付升級費用HK$1,500。\
DingTalk notice: your enterprise account will be frozen within 24 hours. Call customer service \
+852 3000 0042 now or visit www.dingtalk-support.top/pay to avoid suspension.";

fn bench(c: &mut Criterion) {
    let t = Instant::now();
    phone::warm_up();
    println!("first phone parse (metadata load): {:?}", t.elapsed());
    let t = Instant::now();
    let _ = phone::normalize("+852 9123 4567", Region::HK);
    println!("second phone parse: {:?}", t.elapsed());

    let list = entries();
    let t = Instant::now();
    let index = BlocklistIndex::build(list);
    println!("index build, {} entries: {:?}", index.len(), t.elapsed());
    println!("message length: {} chars", MESSAGE.chars().count());

    let official = OfficialDirectory::dingtalk_default();
    let ctx = CheckContext {
        index: &index,
        official: &official,
        default_region: Region::HK,
    };

    let mut g = c.benchmark_group("check_100k");
    g.measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    g.bench_function("probe_phone", |b| {
        b.iter(|| index.contains_phone(black_box("+85230042424")));
    });
    g.bench_function("normalize_phone", |b| {
        b.iter(|| phone::normalize(black_box("+852 3004 2424"), Region::HK));
    });
    g.bench_function("check_phone_listed", |b| {
        b.iter(|| check(black_box("3004 2424"), Some(CheckKind::Phone), &ctx).ok());
    });
    g.bench_function("check_phone_unlisted", |b| {
        b.iter(|| check(black_box("9123 4567"), Some(CheckKind::Phone), &ctx).ok());
    });
    g.bench_function("canonicalize_url", |b| {
        b.iter(|| canonicalize(black_box("HTTP://Pay-42.TOP/upgrade/step1?id=7#x")));
    });
    g.bench_function("check_url_listed", |b| {
        b.iter(|| {
            check(
                black_box("http://pay-42.top/upgrade/step1?id=7"),
                Some(CheckKind::Url),
                &ctx,
            )
            .ok()
        });
    });
    g.bench_function("check_url_lookalike", |b| {
        b.iter(|| check(black_box("https://dingtalk-hk.com/login"), None, &ctx).ok());
    });
    g.bench_function("check_message_300", |b| {
        b.iter(|| check(black_box(MESSAGE), Some(CheckKind::Text), &ctx).ok());
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
