//! Criterion benchmarks of the hot stages of a scan, each on its own:
//! splitting an mbox, decoding messages, matching the rules, writing CSV
//! rows. Input: the bundled `samples/` (made-up bounces of every layout),
//! cycled into a larger archive. Run with `cargo bench --bench stages`.

use std::hint::black_box;

use bounceaudit::classify::{self, classify, Row};
use bounceaudit::decode::decode;
use bounceaudit::mbox;
use bounceaudit::output::{CsvStyle, Reports};
use bounceaudit::report::Report;
use bounceaudit::rules::{Facts, RuleSet};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The sample mbox, cycled `times` times.
fn archive(times: usize) -> Vec<u8> {
    let one = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/bounces.mbox"
    ))
    .expect("samples/bounces.mbox");
    let mut out = Vec::with_capacity(one.len() * times);
    for _ in 0..times {
        out.extend_from_slice(&one);
        if !out.ends_with(b"\n\n") {
            out.extend_from_slice(b"\n");
        }
    }
    out
}

/// The messages of the sample mbox.
fn messages(data: &[u8]) -> Vec<&[u8]> {
    mbox::split(data).map(|p| p.bytes).collect()
}

fn bench_split(c: &mut Criterion) {
    let data = archive(200);
    let n = mbox::split(&data).count() as u64;
    let mut g = c.benchmark_group("split");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function(format!("mbox of {n} messages"), |b| {
        b.iter(|| mbox::split(black_box(&data)).count())
    });
    g.finish();
}

fn bench_decode(c: &mut Criterion) {
    let data = archive(1);
    let msgs = messages(&data);
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(msgs.len() as u64));
    g.bench_function(format!("{} sample messages", msgs.len()), |b| {
        b.iter(|| msgs.iter().filter(|m| decode(black_box(m)).is_ok()).count())
    });
    g.finish();
}

fn reports(data: &[u8]) -> Vec<Report> {
    messages(data).into_iter().filter_map(|m| decode(m).ok()).collect()
}

fn bench_rules(c: &mut Criterion) {
    let rules = RuleSet::load(&[], true).expect("the default rules");
    let data = archive(1);
    let decoded = reports(&data);
    let facts: Vec<Facts<'_>> = decoded
        .iter()
        .flat_map(|rep| {
            rep.recipients.iter().map(move |r| classify::facts(rep, r))
        })
        .collect();
    let mut g = c.benchmark_group("rules");
    g.throughput(Throughput::Elements(facts.len() as u64));
    g.bench_function(format!("{} recipients", facts.len()), |b| {
        b.iter(|| {
            facts
                .iter()
                .filter(|f| rules.classify(black_box(f)).rule.is_some())
                .count()
        })
    });
    g.finish();
}

fn bench_csv(c: &mut Criterion) {
    let rules = RuleSet::load(&[], true).expect("the default rules");
    let data = archive(1);
    let rows: Vec<Row> = reports(&data)
        .iter()
        .flat_map(|r| classify(r, "samples/bounces.mbox:0", &rules))
        .collect();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut out =
        Reports::create(dir.path(), CsvStyle::default()).expect("reports");
    let mut g = c.benchmark_group("csv");
    g.throughput(Throughput::Elements(rows.len() as u64));
    g.bench_function(format!("{} rows of bounces.csv", rows.len()), |b| {
        b.iter(|| {
            for row in &rows {
                out.bounce(black_box(row)).expect("write");
            }
        })
    });
    g.finish();
}

criterion_group!(stages, bench_split, bench_decode, bench_rules, bench_csv);
criterion_main!(stages);
