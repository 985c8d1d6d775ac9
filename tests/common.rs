//! Shared by the end-to-end tests: run the real `cargo xtask` binary and capture the result.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run the binary with `args`, from `dir`, with no terminal and no colour.
pub fn xtask_in(dir: &Path, args: &[&str]) -> Run {
    xtask_env(dir, args, &[])
}

/// The same, with extra environment variables.
pub fn xtask_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // Never let the SDK's credential chain look for an EC2 instance role from here.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the xtask binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run the binary in `dir` with `args` and `env`, its stdout a pipe whose reader is already
/// gone (`| head` after the first line, at worst).
pub fn xtask_into_closed_pipe(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(writer)
        .output()
        .expect("the xtask binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `npm ci` in `tests/<package>` (pinned by its package-lock.json), unless a finished install
/// of that same lock is there; returns the package's directory. Without npm the test fails, it
/// does not skip.
///
/// Tests run concurrently, and two `npm ci` in one directory break each other (each deletes
/// what the other is writing, and both fail, leaving a tree that lacks packages). So one
/// install runs at a time: a lock in this process, and a file lock under `target/` for other
/// processes (a second suite, a re-executed test binary). An install counts as done only once
/// `npm ci` succeeded and a copy of the lock it installed was written after it; a stopped or
/// failed install is redone.
pub fn npm_ci(package: &str) -> PathBuf {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _in_process = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = root().join("tests").join(package);
    let target = root().join("target");
    std::fs::create_dir_all(&target).expect("target/ can be made");
    let lock_file = std::fs::File::create(target.join(format!("npm-ci-{package}.lock")))
        .expect("target/npm-ci-<package>.lock can be made");
    lock_file.lock().expect("the npm install lock is taken");

    let lock = std::fs::read(dir.join("package-lock.json")).expect("the package's lock is read");
    let installed = dir.join("node_modules/.installed-package-lock.json");
    if std::fs::read(&installed).ok().as_deref() != Some(lock.as_slice()) {
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "npm is needed to install tests/{package} (install Node.js 20 or newer): {e}"
                )
            });
        assert!(
            out.status.success(),
            "npm ci in tests/{package} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(&installed, &lock).expect("the installed lock's copy is written");
    }
    dir
}

/// LibreChat's own config schema (`configSchema` of `librechat-data-provider`, tests/schema)
/// on `files`, with the config version the generator writes when given; (success, output).
pub fn librechat_schema(files: &[PathBuf], version: Option<&str>) -> (bool, String) {
    static INSTALLED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let checker = INSTALLED.get_or_init(|| npm_ci("schema").join("check.mjs"));
    let mut command = Command::new("node");
    command.arg(checker);
    if let Some(v) = version {
        command.args(["--config-version", v]);
    }
    let out = command.args(files).output().unwrap_or_else(|e| {
        panic!("node is needed to run LibreChat's schema (install Node.js 20 or newer): {e}")
    });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

pub fn xtask(args: &[&str]) -> Run {
    xtask_in(&root(), args)
}

/// Every spec file under `tests/fixtures/<kind>/`, sorted.
pub fn fixtures(kind: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures").join(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

/// A fixture path relative to the repository root, as a user would type it.
pub fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .display()
        .to_string()
        .trim_start_matches("../")
        .to_string()
}
