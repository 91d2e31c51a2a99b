//! What the tripwires cost per look: one process scan matched against the tool table (400
//! processes, as on a busy desktop: names and paths of a Windows machine), one Downloads file
//! name, one clipboard text through the code detector (a code message, and an ordinary text
//! that is not one). The OS's own part (listing processes, reading the clipboard) is measured in
//! the real app by `tests/e2e/idle.sh`.
//!
//! `cargo bench -p verity-tripwire --bench tripwire`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use verity_tripwire::otp::one_time_code;
use verity_tripwire::remote::ToolTable;
use verity_tripwire::watch::RunningTools;

fn processes() -> Vec<(String, Option<String>)> {
    let common = [
        "svchost",
        "explorer",
        "chrome",
        "msedge",
        "dingtalk",
        "outlook",
        "teams",
        "winword",
        "excel",
        "searchhost",
        "runtimebroker",
        "dllhost",
        "conhost",
        "csrss",
        "lsass",
    ];
    (0..400)
        .map(|i| {
            let name = format!("{}.exe", common[i % common.len()]);
            let path = format!("C:\\Program Files\\Vendor {i}\\{name}");
            (name, Some(path))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let table = ToolTable::builtin();
    let procs = processes();
    c.bench_function("process scan, 400 processes, none a tool", |b| {
        let mut w = RunningTools::new();
        b.iter(|| {
            let appeared = w.scan(
                &table,
                procs.iter().map(|(n, p)| (n.as_str(), p.as_deref())),
            );
            black_box(appeared)
        });
    });
    c.bench_function("download name", |b| {
        b.iter(|| black_box(table.installer(black_box("TeamViewer_Setup_x64 (3).exe.crdownload"))));
    });
    let message =
        "【DingTalk】Your verification code is 482913. It expires in 5 minutes. Do not share it.";
    c.bench_function("clipboard: a code message", |b| {
        b.iter(|| black_box(one_time_code(black_box(message))));
    });
    let ordinary =
        "Hi team, the Q4 report is attached. Order 20261206-0042 was paid (HK$1,234.50) \
                    on 2026-12-06 at 12:30; the meeting id is 123 456 789. Call +852 2123 4567.";
    c.bench_function("clipboard: an ordinary paragraph", |b| {
        b.iter(|| black_box(one_time_code(black_box(ordinary))));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
