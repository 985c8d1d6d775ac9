//! `plan` across many accounts against `plan` in one: a benchmark, not a test. It provisions
//! the same stack in 10 member accounts of a private emulator (`--assume-role`), injects
//! 100 ms of latency into every request (a round trip to AWS), then times `plan` in one
//! account and in all 10 (at the default `--parallel 4`, and at `--parallel 10`), median of
//! a few runs, and prints each wall time and its ratio to one account's.
//!
//!   cargo bench -p xtask --bench accounts
//!
//! `BENCH_XTASK` replaces the measured binary (another build of this tool).

#[path = "fleet.rs"]
mod fleet;

use bedrock_emulator::Instance;
use fleet::SPEC;
use std::path::Path;
use std::time::Duration;

const ACCOUNTS: usize = 10;
const LATENCY_MS: f64 = 100.0;
const RUNS: usize = 3;

fn roles(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| {
            format!(
                "arn:aws:iam::{:012}:role/OrganizationAccountAccessRole",
                100_000_000_000 + i
            )
        })
        .flat_map(|arn| ["--assume-role".to_string(), arn])
        .collect()
}

/// Run the binary against the emulator: the wall time.
fn run(binary: &str, dir: &Path, instance: &Instance, args: &[String]) -> Duration {
    fleet::run(binary, dir, instance, args).0
}

fn median(binary: &str, dir: &Path, instance: &Instance, args: &[String]) -> Duration {
    let mut walls: Vec<Duration> = (0..RUNS)
        .map(|_| run(binary, dir, instance, args))
        .collect();
    walls.sort();
    walls[RUNS / 2]
}

fn main() {
    // `cargo bench` passes --bench; this harness takes no arguments of its own.
    let binary = fleet::binary();
    let state = tempfile::tempdir().unwrap();
    let instance = Instance::start_private(state.path()).expect("the emulator starts");
    let control = instance.control();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bedrock.toml"), SPEC).unwrap();

    let mut apply = vec![
        "apply".to_string(),
        "--yes".to_string(),
        "--parallel".into(),
        "10".into(),
    ];
    apply.extend(roles(ACCOUNTS));
    run(&binary, dir.path(), &instance, &apply);
    control.set_latency_ms(LATENCY_MS).unwrap();

    let plan = |n: usize, parallel: usize| {
        let mut args = vec![
            "plan".to_string(),
            "--parallel".into(),
            parallel.to_string(),
        ];
        args.extend(roles(n));
        args
    };
    println!("plan of a 2-profile stack with {LATENCY_MS} ms per request, median of {RUNS} runs\n");
    println!("| accounts | --parallel | wall | ratio to one account |");
    println!("|---:|---:|---:|---:|");
    let one = median(&binary, dir.path(), &instance, &plan(1, 1));
    println!("| 1 | - | {:.2} s | 1.0 |", one.as_secs_f64());
    for parallel in [1, 4, ACCOUNTS] {
        let wall = median(&binary, dir.path(), &instance, &plan(ACCOUNTS, parallel));
        println!(
            "| {ACCOUNTS} | {parallel} | {:.2} s | {:.1} |",
            wall.as_secs_f64(),
            wall.as_secs_f64() / one.as_secs_f64()
        );
    }
    control.set_latency_ms(0.0).unwrap();
}
