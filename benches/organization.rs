//! A rollout to an AWS Organization of 100 accounts against one account: a benchmark, not a
//! test. It builds an Organization of 100 member accounts in a private emulator
//! (CreateOrganization, CreateAccount), applies the same stack to all of them
//! (`--organization`), injects 100 ms of latency into every request (a round trip to AWS),
//! then times `plan` in one account (`--assume-role`) and in all 100 (`--organization`, accounts
//! discovered at run time) at several `--parallel`, median of a few runs, with each wall
//! time's ratio to one account's, and where the time goes: discovery (the Organizations
//! calls, paced at the table's rate) and the accounts.
//!
//!   cargo bench -p xtask --bench organization
//!
//! `BENCH_XTASK` replaces the measured binary (another build of this tool); `BENCH_ACCOUNTS`
//! the number of accounts (100).

#[path = "fleet.rs"]
mod fleet;

use bedrock_aws::{Clients, Endpoint, StaticCredentials};
use bedrock_emulator::Instance;
use fleet::{run, SPEC};
use std::path::Path;
use std::time::{Duration, Instant};

const LATENCY_MS: f64 = 100.0;
const RUNS: usize = 3;

/// The median wall time, and the discovery line of the median run.
fn median(binary: &str, dir: &Path, instance: &Instance, args: &[String]) -> (Duration, String) {
    let mut runs: Vec<(Duration, String)> = (0..RUNS)
        .map(|_| {
            let (wall, out) = run(binary, dir, instance, args);
            let line = String::from_utf8_lossy(&out.stderr)
                .lines()
                .find(|l| l.starts_with("organization: "))
                .unwrap_or_default()
                .to_string();
            (wall, line)
        })
        .collect();
    runs.sort_by_key(|(wall, _)| *wall);
    runs.swap_remove(RUNS / 2)
}

fn main() {
    let binary = fleet::binary();
    let accounts: usize = std::env::var("BENCH_ACCOUNTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let state = tempfile::tempdir().unwrap();
    let instance = Instance::start_private(state.path()).expect("the emulator starts");
    let control = instance.control();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bedrock.toml"), SPEC).unwrap();

    // The Organization: the emulator's own account manages it.
    let endpoint = Endpoint::url(
        &instance.endpoint(),
        Some(StaticCredentials {
            access_key_id: bedrock_emulator::ACCESS_KEY_ID.into(),
            secret_access_key: bedrock_emulator::SECRET_ACCESS_KEY.into(),
            session_token: None,
        }),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let members: Vec<String> = rt.block_on(async {
        let c = Clients::connect(&endpoint, "us-east-1").await;
        c.organizations.create_organization().send().await.unwrap();
        let mut ids = Vec::new();
        for i in 0..accounts {
            let out = c
                .organizations
                .create_account()
                .account_name(format!("member-{i:03}"))
                .email(format!("member-{i:03}@example.com"))
                .send()
                .await
                .unwrap();
            ids.push(
                out.create_account_status()
                    .and_then(|s| s.account_id())
                    .unwrap()
                    .to_string(),
            );
        }
        ids
    });
    let args = |words: &[&str]| -> Vec<String> { words.iter().map(|w| w.to_string()).collect() };
    let start = Instant::now();
    run(
        &binary,
        dir.path(),
        &instance,
        &args(&["apply", "--yes", "--organization", "--parallel", "16"]),
    );
    let applied = start.elapsed();
    control.set_latency_ms(LATENCY_MS).unwrap();

    println!(
        "plan of a 2-profile stack with {LATENCY_MS} ms per request, median of {RUNS} runs \
         (the apply to {accounts} accounts before it, without latency: {:.1} s)\n",
        applied.as_secs_f64()
    );
    println!("| accounts | how | --parallel | wall | ratio to one account | discovery |");
    println!("|---:|---|---:|---:|---:|---|");
    let one_role = format!(
        "arn:aws:iam::{}:role/OrganizationAccountAccessRole",
        members[0]
    );
    let (one, _) = median(
        &binary,
        dir.path(),
        &instance,
        &args(&["plan", "--assume-role", &one_role]),
    );
    println!(
        "| 1 | --assume-role | - | {:.2} s | 1.0 | - |",
        one.as_secs_f64()
    );
    for parallel in [16, 32, 64] {
        let p = parallel.to_string();
        let (wall, line) = median(
            &binary,
            dir.path(),
            &instance,
            &args(&["plan", "--organization", "--parallel", &p]),
        );
        println!(
            "| {accounts} | --organization | {parallel} | {:.2} s | {:.1} | {} |",
            wall.as_secs_f64(),
            wall.as_secs_f64() / one.as_secs_f64(),
            line.trim_start_matches("organization: ")
        );
    }
    control.set_latency_ms(0.0).unwrap();
}
