//! What the many-account benchmarks share: the two-profile stack they plan, and running the
//! measured binary against a private emulator.

use bedrock_emulator::Instance;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A two-profile stack, the same in every account.
pub const SPEC: &str = r#"
[stack]
name = "fleet"
region = "us-east-1"

[[profiles]]
name = "LibreChat-Claude-Sonnet-4-5"
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
env = "BEDROCK_SONNET_45_PROFILE"

[[profiles]]
name = "LibreChat-Nova-Pro"
model = "us.amazon.nova-pro-v1:0"
env = "BEDROCK_NOVA_PRO_PROFILE"
"#;

/// The binary measured: `BENCH_XTASK`, or this build's.
pub fn binary() -> String {
    std::env::var("BENCH_XTASK").unwrap_or_else(|_| env!("CARGO_BIN_EXE_xtask").to_string())
}

/// Run the binary in `dir` against the emulator with its credentials: the wall time and the
/// output; a failure stops the benchmark with its output.
pub fn run(binary: &str, dir: &Path, instance: &Instance, args: &[String]) -> (Duration, Output) {
    let start = Instant::now();
    let out = Command::new(binary)
        .args(args)
        .args(["--endpoint-url", &instance.endpoint()])
        .current_dir(dir)
        .env("AWS_ACCESS_KEY_ID", bedrock_emulator::ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", bedrock_emulator::SECRET_ACCESS_KEY)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let wall = start.elapsed();
    assert!(
        out.status.success(),
        "{args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (wall, out)
}
