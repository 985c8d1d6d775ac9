//! How `plan`'s AWS calls and sequential round trips grow with the number of profiles: a
//! benchmark, not a test. For 1, 20 and 64 profiles it provisions a stack on a private
//! emulator, injects 100 ms of latency into every request (a round trip to AWS), runs
//! `plan` a few times and prints a table of calls, writes, sequential round trips, wall
//! time (median) and peak RSS (of the median run, by `/usr/bin/time` where there is one);
//! and the calls and wall time of the first plan, before the stack exists.
//!
//! Each profile copies a model of its own (the spec allows no two profiles one model): the
//! region's system-defined profiles, then its foundation models, in the emulator's order.
//!
//!   cargo bench -p xtask --bench plan_calls
//!   BENCH_BASELINE_XTASK=/path/to/other/xtask cargo bench -p xtask --bench plan_calls
//!
//! With `BENCH_BASELINE_XTASK`, the same plans are also run by that binary (another build
//! of this tool, e.g. an older commit's), side by side; `BENCH_XTASK` replaces the measured
//! binary (to compare two builds of the same profile, e.g. both debug). Both are pointed at
//! the emulator with `--endpoint-url`, so any build that has that flag can be compared.

use aws_sdk_bedrock::types::InferenceProfileType;
use bedrock_aws::{Clients, Endpoint, StaticCredentials};
use bedrock_emulator::Instance;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const PROFILES: [usize; 3] = [1, 20, 64];
const LATENCY_MS: f64 = 100.0;
const RUNS: usize = 3;
const REGION: &str = "us-east-1";

struct Measured {
    calls: usize,
    writes: usize,
    round_trips: usize,
    wall: Duration,
    /// Peak resident set, in MB, where `/usr/bin/time` tells it.
    rss_mb: Option<f64>,
}

fn endpoint(instance: &Instance) -> Endpoint {
    Endpoint::url(
        &instance.endpoint(),
        Some(StaticCredentials {
            access_key_id: bedrock_emulator::ACCESS_KEY_ID.into(),
            secret_access_key: bedrock_emulator::SECRET_ACCESS_KEY.into(),
            session_token: None,
        }),
    )
}

/// Every model id a profile can copy from in the region: its system-defined profiles and
/// its foundation models, as the emulator lists them.
fn model_ids(instance: &Instance) -> Vec<String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let c = rt.block_on(Clients::connect(&endpoint(instance), REGION));
    let profiles = rt
        .block_on(
            c.bedrock
                .list_inference_profiles()
                .type_equals(InferenceProfileType::SystemDefined)
                .max_results(1000)
                .send(),
        )
        .unwrap();
    let models = rt
        .block_on(c.bedrock.list_foundation_models().send())
        .unwrap();
    profiles
        .inference_profile_summaries()
        .iter()
        .map(|p| p.inference_profile_id().to_string())
        .chain(
            models
                .model_summaries()
                .iter()
                .map(|m| m.model_id().to_string()),
        )
        .collect()
}

fn spec(models: &[String], n: usize) -> String {
    let mut s = format!("[stack]\nname = \"bench\"\nregion = \"{REGION}\"\n");
    for (i, m) in models.iter().take(n).enumerate() {
        s.push_str(&format!(
            "[[profiles]]\nname = \"P{i}\"\nmodel = \"{m}\"\nenv = \"P{i}\"\n"
        ));
    }
    s
}

/// Run `binary` with `args` in `dir` against the emulator; its stderr (and, under GNU
/// time, its peak RSS on the last line: "rss_kb=N").
fn run(binary: &str, dir: &Path, instance: &Instance, args: &[&str]) -> String {
    let timed = Path::new("/usr/bin/time").exists() && cfg!(target_os = "linux");
    let mut command = if timed {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "rss_kb=%M", binary]);
        c
    } else {
        Command::new(binary)
    };
    let out = command
        .args(args)
        .args(["--endpoint-url", &instance.endpoint()])
        .current_dir(dir)
        .env("AWS_ACCESS_KEY_ID", bedrock_emulator::ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", bedrock_emulator::SECRET_ACCESS_KEY)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 2),
        "{binary} {args:?} failed:\n{stderr}"
    );
    stderr
}

/// "plan: AWS: 21 calls (0 writes) in 0.31 s, 3 sequential round trips"
fn parse(stderr: &str, wall: Duration) -> Measured {
    let line = stderr
        .lines()
        .find(|l| l.contains(": AWS: "))
        .unwrap_or_else(|| panic!("no calls line in\n{stderr}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .filter_map(|w| w.parse().ok())
        .collect();
    // [calls, writes, (seconds is not an integer), round trips]
    let rss_mb = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("rss_kb="))
        .and_then(|kb| kb.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0);
    Measured {
        calls: numbers[0],
        writes: numbers[1],
        round_trips: *numbers.last().unwrap(),
        wall,
        rss_mb,
    }
}

fn plan(binary: &str, dir: &Path, instance: &Instance) -> Measured {
    let mut runs: Vec<Measured> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let stderr = run(binary, dir, instance, &["plan"]);
            parse(&stderr, start.elapsed())
        })
        .collect();
    runs.sort_by_key(|m| m.wall);
    runs.swap_remove(RUNS / 2)
}

fn main() {
    // `cargo bench` passes --bench; this harness takes no arguments of its own.
    let binary =
        std::env::var("BENCH_XTASK").unwrap_or_else(|_| env!("CARGO_BIN_EXE_xtask").to_string());
    let binary = binary.as_str();
    let baseline = std::env::var("BENCH_BASELINE_XTASK").ok();
    let state = tempfile::tempdir().unwrap();
    let instance = Instance::start_private(state.path()).expect("the emulator starts");
    let control = instance.control();
    let models = model_ids(&instance);
    assert!(
        models.len() >= PROFILES[PROFILES.len() - 1],
        "the emulator offers only {} models in {REGION}",
        models.len()
    );
    println!(
        "plan against the embedded emulator with {LATENCY_MS} ms per request, median of {RUNS} runs\n"
    );
    println!("| build | profiles | calls | writes | sequential round trips | wall | peak RSS | first plan: calls, wall |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    {
        for n in PROFILES {
            instance.reset().unwrap();
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("bedrock.toml"), spec(&models, n)).unwrap();
            // The first plan, before anything exists: it also reads the account's access to
            // each model a new profile needs an agreement for. (One plan before it, without
            // latency, warms the emulator's backends, which a reset leaves to be made.)
            run(binary, dir.path(), &instance, &["plan"]);
            control.set_latency_ms(LATENCY_MS).unwrap();
            let start = Instant::now();
            let first = parse(
                &run(binary, dir.path(), &instance, &["plan"]),
                start.elapsed(),
            );
            control.set_latency_ms(0.0).unwrap();
            run(binary, dir.path(), &instance, &["apply", "--yes"]);
            control.set_latency_ms(LATENCY_MS).unwrap();
            let mut builds = vec![("this", binary.to_string())];
            builds.extend(baseline.iter().map(|b| ("baseline", b.clone())));
            for (name, build) in builds {
                let m = plan(&build, dir.path(), &instance);
                let rss = m
                    .rss_mb
                    .map_or_else(|| "-".to_string(), |mb| format!("{mb:.0} MB"));
                println!(
                    "| {name} | {n} | {} | {} | {} | {:.2} s | {rss} | {}, {:.2} s |",
                    m.calls,
                    m.writes,
                    m.round_trips,
                    m.wall.as_secs_f64(),
                    first.calls,
                    first.wall.as_secs_f64()
                );
            }
            control.set_latency_ms(0.0).unwrap();
        }
    }
}
