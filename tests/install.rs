//! The tool as its users run it, from their own repository: installed with `cargo install`
//! into a temporary root, `init` in a fresh git repository, `validate` and `apply --local`
//! there with the emulator in the user's cache directory (outside this checkout); and
//! `init --xtask`, then `cargo xtask bedrock validate` through the xtask crate it wrote.
//!
//! Both build this project a second time, as a user would, into `target/user-repo` (inside
//! this checkout, so that a clean clone caches nothing outside itself), and share that
//! build: the xtask crate gets this checkout's Cargo.lock and the same profile, so the
//! second build only compiles the tool's own crates.

use crate::common;

use common::{root, Run};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// One cargo build at a time in the shared target directory.
static CARGO: Mutex<()> = Mutex::new(());

fn target() -> PathBuf {
    root().join("target").join("user-repo")
}

fn run(program: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        // The user's environment: not this checkout's emulator directory or cargo target.
        .env_remove("BEDROCK_EMULATOR_DIR")
        .env_remove("CARGO_TARGET_DIR")
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn git_init(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let st = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(st.success());
}

fn free_port() -> String {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string()
}

#[test]
fn the_installed_binary_sets_up_a_repository_and_runs_there_with_its_own_emulator() {
    let tmp = tempfile::tempdir().unwrap();
    let install_root = tmp.path().join("root");
    {
        let _one = CARGO.lock().unwrap_or_else(|e| e.into_inner());
        let crate_dir = root().join("crates").join("librechat-bedrock");
        let out = Command::new(env!("CARGO"))
            .args(["install", "--locked", "--debug", "--quiet", "--path"])
            .arg(&crate_dir)
            .arg("--root")
            .arg(&install_root)
            .env("CARGO_TARGET_DIR", target())
            .output()
            .expect("cargo runs");
        assert!(
            out.status.success(),
            "cargo install failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let bin = install_root.join("bin").join("librechat-bedrock");
    assert!(bin.is_file(), "{} was not installed", bin.display());

    let repo = tmp.path().join("repo");
    git_init(&repo);
    std::fs::write(repo.join(".gitignore"), "node_modules/\n").unwrap();
    let cache = tmp.path().join("cache");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let port = free_port();
    let env = [
        ("AWS_REGION", "us-west-2"),
        ("XDG_CACHE_HOME", cache.to_str().unwrap()),
        ("HOME", home.to_str().unwrap()),
        ("BEDROCK_EMULATOR_PORT", port.as_str()),
    ];

    let init = run(&bin, &repo, &["init"], &env);
    assert_eq!(init.code, 0, "{}\n{}", init.stdout, init.stderr);
    for wrote in ["bedrock.toml", ".github/workflows/bedrock-drift.yml"] {
        assert!(
            init.stdout.contains(&format!("wrote    {wrote}")),
            "{}",
            init.stdout
        );
    }
    let spec = std::fs::read_to_string(repo.join("bedrock.toml")).unwrap();
    assert!(spec.contains("region = \"us-west-2\""), "{spec}");
    assert!(
        spec.starts_with("# Written by librechat-bedrock init"),
        "{spec}"
    );
    let workflow =
        std::fs::read_to_string(repo.join(".github/workflows/bedrock-drift.yml")).unwrap();
    assert!(
        workflow.contains("librechat-bedrock drift --skip-local-files"),
        "{workflow}"
    );
    assert!(
        workflow.contains("cargo install --locked --git"),
        "{workflow}"
    );
    assert!(!workflow.contains("workspaces: xtask"), "{workflow}");
    assert_eq!(
        std::fs::read_to_string(repo.join(".gitignore")).unwrap(),
        "node_modules/\n# LibreChat's secrets and the tool's local files (librechat-bedrock init)\n.env\n**/policies/librechat-invoke.rendered.json\n"
    );

    // A second init writes nothing: every file is reported and left alone.
    std::fs::write(repo.join("bedrock.toml"), format!("{spec}\n# mine\n")).unwrap();
    let again = run(&bin, &repo, &["init"], &env);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stdout
            .contains("kept     bedrock.toml (it exists: left as it is)"),
        "{}",
        again.stdout
    );
    assert!(
        again.stdout.contains("current  .gitignore"),
        "{}",
        again.stdout
    );
    assert!(std::fs::read_to_string(repo.join("bedrock.toml"))
        .unwrap()
        .ends_with("# mine\n"));

    let validate = run(&bin, &repo, &["validate"], &env);
    assert_eq!(validate.code, 0, "{}", validate.stderr);

    let apply = run(&bin, &repo, &["apply", "--local", "--yes"], &env);
    let stop = run(&bin, &repo, &["local", "stop"], &env);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert_eq!(stop.code, 0, "{}", stop.stderr);
    // The emulator lived in the user's cache directory, and said how to stop it as the
    // installed binary.
    let emulator = cache.join("librechat-bedrock").join("emulator");
    assert!(emulator.join("venv").is_dir(), "{}", apply.stderr);
    assert!(
        emulator.join(format!("emulator-{port}.log")).is_file(),
        "{}",
        apply.stderr
    );
    assert!(
        apply.stderr.contains(&format!(
            "`librechat-bedrock local stop --port {port}` ends it"
        )),
        "{}",
        apply.stderr
    );
    // Nothing of the emulator in the repository; the generated files are there.
    assert!(!repo.join("target").exists());
    for file in ["librechat.yaml", ".env"] {
        assert!(repo.join(file).is_file(), "{file} missing");
    }

    let completions = run(&bin, &repo, &["completions", "bash"], &env);
    assert_eq!(completions.code, 0);
    assert!(
        completions.stdout.contains("librechat-bedrock"),
        "{}",
        completions.stdout
    );
}

#[test]
fn init_xtask_makes_cargo_xtask_bedrock_work_in_the_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    git_init(&repo);
    let init = common::xtask_env(
        &repo,
        &[
            "init",
            "--xtask",
            "--dependency-path",
            root().to_str().unwrap(),
        ],
        &[("AWS_REGION", "us-east-1")],
    );
    assert_eq!(init.code, 0, "{}\n{}", init.stdout, init.stderr);
    let manifest = std::fs::read_to_string(repo.join("xtask/Cargo.toml")).unwrap();
    // Outside the repository: by its absolute path.
    let crate_dir = root()
        .join("crates")
        .join("librechat-bedrock")
        .canonicalize()
        .unwrap();
    assert!(
        manifest.contains(&format!(
            "librechat-bedrock = {{ path = {:?} }}",
            crate_dir.display().to_string()
        )),
        "{manifest}"
    );
    assert!(repo.join(".cargo/config.toml").is_file());
    assert!(std::fs::read_to_string(repo.join(".gitignore"))
        .unwrap()
        .contains("/xtask/target\n"));
    let workflow =
        std::fs::read_to_string(repo.join(".github/workflows/bedrock-drift.yml")).unwrap();
    assert!(
        workflow.contains("cargo xtask bedrock drift --skip-local-files"),
        "{workflow}"
    );
    assert!(!workflow.contains("cargo install"), "{workflow}");
    assert!(
        workflow.contains("workspaces: xtask -> target"),
        "{workflow}"
    );
    // The checkout is outside the repository: said, since GitHub could not build that.
    assert!(
        init.stderr
            .contains("xtask/Cargo.toml depends on the tool by a path outside this repository"),
        "{}",
        init.stderr
    );

    // init wrote the tool's tested lock: the same versions as the build above, nothing to
    // download; the build keeps them.
    let tested = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    assert_eq!(
        std::fs::read_to_string(repo.join("xtask/Cargo.lock")).unwrap(),
        tested
    );
    assert!(
        init.stdout.contains("wrote    xtask/Cargo.lock"),
        "{}",
        init.stdout
    );
    let _one = CARGO.lock().unwrap_or_else(|e| e.into_inner());
    let cargo = Path::new(env!("CARGO"));
    let validate = run(
        cargo,
        &repo,
        &["xtask", "bedrock", "validate"],
        &[("CARGO_TARGET_DIR", target().to_str().unwrap())],
    );
    assert_eq!(validate.code, 0, "{}\n{}", validate.stdout, validate.stderr);
    let version_of = |lock: &str, name: &str| {
        lock.split("[[package]]")
            .find(|p| p.contains(&format!("name = \"{name}\"\n")))
            .and_then(|p| p.lines().find(|l| l.starts_with("version = ")))
            .map(str::to_string)
    };
    let built = std::fs::read_to_string(repo.join("xtask/Cargo.lock")).unwrap();
    for name in ["aws-sdk-bedrock", "aws-config", "tokio", "clap"] {
        assert_eq!(
            version_of(&built, name),
            version_of(&tested, name),
            "{name} moved away from the tested version"
        );
    }
    assert!(
        validate
            .stdout
            .contains("bedrock.toml is valid: stack \"librechat\" in us-east-1"),
        "{}",
        validate.stdout
    );
    let unknown = run(
        cargo,
        &repo,
        &["xtask", "bedrock", "nonsense"],
        &[("CARGO_TARGET_DIR", target().to_str().unwrap())],
    );
    assert_eq!(unknown.code, 1);
    assert!(
        unknown
            .stderr
            .contains("Usage: cargo xtask bedrock <COMMAND>"),
        "{}",
        unknown.stderr
    );
}
