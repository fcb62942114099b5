//! bench-serde FILE [--once N]
//! FILE: a DynamoDB stream event (tools/bench/bench_instr --write FILE makes the same 100-record batch
//! bench_transform measures). Parses it into typed structs whose images are
//! HashMap<String, AttributeValue> (externally tagged enum, as the Rust Lambda crates model them),
//! applies the forward rule (INSERT with order_status S "ORDERED") and re-serialises each NewImage.
//! Default: prints "MB/s records/s" (median of 11 samples of about 40 ms each).
//! --once N: does the work N times and prints the bytes produced (for callgrind).
use serde_derive::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Instant;

#[allow(clippy::upper_case_acronyms)]
#[derive(Deserialize, Serialize)]
enum AttributeValue {
    S(String),
    N(String),
    B(String),
    BOOL(bool),
    NULL(bool),
    M(HashMap<String, AttributeValue>),
    L(Vec<AttributeValue>),
    SS(Vec<String>),
    NS(Vec<String>),
    BS(Vec<String>),
}

type Item = HashMap<String, AttributeValue>;

#[allow(dead_code)]
#[derive(Deserialize)]
struct StreamRecord {
    #[serde(rename = "ApproximateCreationDateTime")]
    approximate_creation_date_time: Option<f64>,
    #[serde(rename = "Keys", default)]
    keys: Item,
    #[serde(rename = "NewImage")]
    new_image: Option<Item>,
    #[serde(rename = "OldImage")]
    old_image: Option<Item>,
    #[serde(rename = "SequenceNumber")]
    sequence_number: Option<String>,
    #[serde(rename = "SizeBytes")]
    size_bytes: Option<i64>,
    #[serde(rename = "StreamViewType")]
    stream_view_type: Option<String>,
}

#[allow(dead_code)]
#[derive(Deserialize)]
struct Record {
    #[serde(rename = "eventID")]
    event_id: Option<String>,
    #[serde(rename = "eventName")]
    event_name: Option<String>,
    #[serde(rename = "eventVersion")]
    event_version: Option<String>,
    #[serde(rename = "eventSource")]
    event_source: Option<String>,
    #[serde(rename = "awsRegion")]
    aws_region: Option<String>,
    dynamodb: StreamRecord,
    #[serde(rename = "eventSourceARN")]
    event_source_arn: Option<String>,
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "Records")]
    records: Vec<Record>,
}

/// Parse, forward, serialise: returns (messages, body bytes).
fn run(input: &[u8]) -> (usize, usize) {
    let event: Event = serde_json::from_slice(input).expect("not a stream event");
    let mut bodies: Vec<String> = Vec::with_capacity(event.records.len());
    for r in &event.records {
        if r.event_name.as_deref() != Some("INSERT") {
            continue;
        }
        if let Some(img) = &r.dynamodb.new_image {
            if matches!(img.get("order_status"), Some(AttributeValue::S(s)) if s == "ORDERED") {
                bodies.push(serde_json::to_string(img).expect("serialise"));
            }
        }
    }
    (bodies.len(), bodies.iter().map(|b| b.len()).sum())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 {
        eprintln!("usage: bench-serde FILE [--once N]");
        std::process::exit(2);
    }
    let input = std::fs::read(&args[1]).expect("read input");
    if args.len() == 4 && args[2] == "--once" {
        let n: usize = args[3].parse().expect("N");
        let mut total = 0;
        for _ in 0..n {
            total += run(&input).1;
        }
        println!("{}", total);
        return;
    }
    let (records, _) = run(&input);
    let t = Instant::now();
    run(&input);
    let once = t.elapsed().as_secs_f64();
    let reps = if once < 0.04 { (0.04 / once.max(1e-7)) as usize + 1 } else { 1 };
    // The bytes produced are summed and printed, so no run can be optimised away (std::hint::black_box
    // needs Rust 1.66; Debian 12 ships 1.63).
    let mut samples = Vec::new();
    let mut produced = 0;
    for _ in 0..11 {
        let t = Instant::now();
        for _ in 0..reps {
            produced += run(&input).1;
        }
        samples.push(t.elapsed().as_secs_f64() / reps as f64);
    }
    eprintln!("{} bytes of message bodies", produced);
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = samples[5];
    println!("{:.1} {:.0}", input.len() as f64 / 1e6 / median, records as f64 / median);
}
