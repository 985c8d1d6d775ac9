//! The documentation's examples, run: every ` ```console ` block of README.md and docs/*.md
//! is a session whose `$ ` lines are run against the program (with `--local`, on the suite's
//! emulator) and whose other lines are what they must print, compared by snapbox: `...` on a
//! line of its own stands for any lines, `[..]` for the rest of a line's text.
//!
//! The line before each block says how it runs, in an HTML comment (not rendered):
//! - `<!-- docs-test: fresh -->`: in a new directory holding what a clone of this repository
//!   holds: the documentation's spec (`tests/fixtures/docs/bedrock.toml`), the policy
//!   templates, the files `generate --offline` writes from them, and `tests/fixtures`;
//! - `<!-- docs-test: applied -->`: the same, after `cargo xtask apply --local --yes`;
//! - `<!-- docs-test: emulator -->`: the same, with no emulator running where `--local` goes
//!   (a free port of its own, the checkout's emulator directory): for `local start`, `stop`
//!   and the rest; whatever the block leaves running is stopped after it;
//! - `<!-- docs-test: skip: WHY -->`: not run, and why (real AWS, another machine).
//!
//! A block without one fails the test: an example is run, or says why it cannot be.
//!
//! Before comparing, both sides get the same stand-ins for what changes from run to run:
//! the emulator's port is shown as 4566, resource ids as `[ID]`, times as `[T]`, and the
//! number of sequential round trips as `[N]`.

use crate::common::root;
use crate::stack::{emulator, turn};
use std::path::Path;
use std::process::Command;

/// One example block: where it is, how it runs, its commands and what each prints.
#[derive(Debug)]
struct Block {
    place: String,
    setup: Setup,
    steps: Vec<(String, String)>,
}

#[derive(Debug, PartialEq)]
enum Setup {
    Fresh,
    Applied,
    Emulator,
    Skip,
}

/// The console blocks of `text` (a Markdown file named `file`), or what is wrong with one.
fn blocks(file: &str, text: &str) -> Result<Vec<Block>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "```console" {
            i += 1;
            continue;
        }
        let place = format!("{file}:{}", i + 1);
        let marker = lines[..i]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim())
            .unwrap_or_default();
        let setup = match marker
            .strip_prefix("<!-- docs-test: ")
            .and_then(|m| m.strip_suffix("-->"))
            .map(str::trim)
        {
            Some("fresh") => Setup::Fresh,
            Some("applied") => Setup::Applied,
            Some("emulator") => Setup::Emulator,
            Some(skip) if skip.starts_with("skip: ") && skip.len() > "skip: ".len() => Setup::Skip,
            _ => {
                return Err(format!(
                    "{place}: the console block has no `<!-- docs-test: fresh -->`, `applied` or `skip: WHY` on the line before it"
                ))
            }
        };
        let mut steps: Vec<(String, String)> = Vec::new();
        i += 1;
        while i < lines.len() && lines[i].trim_end() != "```" {
            let line = lines[i];
            if let Some(command) = line.strip_prefix("$ ") {
                let mut command = command.to_string();
                while command.ends_with('\\') && i + 1 < lines.len() {
                    i += 1;
                    command.push('\n');
                    command.push_str(lines[i]);
                }
                steps.push((command, String::new()));
            } else if let Some((_, expected)) = steps.last_mut() {
                expected.push_str(line);
                expected.push('\n');
            }
            i += 1;
        }
        blocks.push(Block {
            place,
            setup,
            steps,
        });
        i += 1;
    }
    Ok(blocks)
}

/// Where `--local` goes for one block, and what the output names of it.
struct Place {
    /// The emulator's port (HTTPS, with `--tls`, on the next one).
    port: u16,
    /// BEDROCK_EMULATOR_DIR for the block, when it is not the suite's emulator.
    dir: Option<std::path::PathBuf>,
}

/// What changes from run to run, the same on both sides: the block's ports are shown as the
/// default ones (4566, 4567; `--port` then goes, as it does for the default port), this
/// checkout's path as `/home/you/librechat-bedrock`, and ids, pids, times and round trips
/// as stand-ins.
fn stand_ins(text: &str, place: &Place) -> String {
    let root = root().canonicalize().unwrap().display().to_string();
    let (http, https) = (place.port, place.port + 1);
    let text = text
        .replace(&format!("127.0.0.1:{http}"), "127.0.0.1:4566")
        .replace(&format!("127.0.0.1:{https}"), "127.0.0.1:4567")
        .replace(&format!("emulator-{http}."), "emulator-4566.")
        .replace(&format!(" --port {http}"), "")
        .replace(&root, "/home/you/librechat-bedrock");
    let ids = regex::Regex::new(
        r"(application-inference-profile/|guardrail/|guardrail_id: |\bid: )[a-z0-9]{12}\b",
    )
    .unwrap();
    let text = ids.replace_all(&text, "${1}[ID]");
    let pids = regex::Regex::new(r#"(\(pid |"pid": )\d+"#).unwrap();
    let text = pids.replace_all(&text, "${1}[PID]");
    // Concurrent chains end in any order: how many round trips in a row varies by one or two.
    let trips = regex::Regex::new(r"\b\d+ sequential round trips?\b").unwrap();
    let text = trips.replace_all(&text, "[N] sequential round trips");
    let times = regex::Regex::new(r"\b\d+(\.\d+)? s\b").unwrap();
    times.replace_all(&text, "[T] s").into_owned()
}

/// A port with the next one free too (an emulator's HTTP and HTTPS).
fn free_ports() -> u16 {
    loop {
        let first = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = first.local_addr().unwrap().port();
        if port < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// A directory for one block: the documentation's spec, the policy templates, the fixtures.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = root();
    std::fs::copy(
        root.join("tests/fixtures/docs/bedrock.toml"),
        dir.path().join("bedrock.toml"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    for entry in std::fs::read_dir(root.join("policies")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") && !name.ends_with(".rendered.json") {
            std::fs::copy(entry.path(), dir.path().join("policies").join(&name)).unwrap();
        }
    }
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    std::os::unix::fs::symlink(
        root.join("tests/fixtures"),
        dir.path().join("tests/fixtures"),
    )
    .unwrap();
    // `cargo xtask ...` runs the program; any other cargo command is refused.
    let bin = dir.path().join(".bin");
    std::fs::create_dir(&bin).unwrap();
    let cargo = bin.join("cargo");
    std::fs::write(
        &cargo,
        "#!/bin/sh\nif [ \"$1\" = xtask ]; then shift; exec \"$DOCS_XTASK\" \"$@\"; fi\necho \"docs test: only cargo xtask runs here\" >&2\nexit 127\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// Run `block` in `dir`: each command's output (stdout and stderr, as a terminal shows them).
fn run(block: &Block, dir: &Path, place: &Place) -> Vec<String> {
    const MARK: &str = "@@docs-test-step@@";
    let mut script = String::from("exec 2>&1\n");
    for (command, _) in &block.steps {
        script.push_str(command);
        script.push_str(&format!("\n__status=$?; echo {MARK}; (exit $__status)\n"));
    }
    let path = format!(
        "{}:{}",
        dir.join(".bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .env("PATH", path)
        .env("DOCS_XTASK", env!("CARGO_BIN_EXE_xtask"))
        .env("BEDROCK_EMULATOR_PORT", place.port.to_string())
        .env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("BEDROCK_EMULATOR_DIR")
        .stdin(std::process::Stdio::null());
    if let Some(emulator_dir) = &place.dir {
        command.env("BEDROCK_EMULATOR_DIR", emulator_dir);
    }
    let out = command.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split(&format!("{MARK}\n"))
        .map(str::to_string)
        .collect()
}

fn documentation() -> Vec<(String, String)> {
    let root = root();
    let mut files = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .flatten()
        .map(|e| format!("docs/{}", e.file_name().to_string_lossy()))
        .filter(|n| n.ends_with(".md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(root.join(&f)).unwrap();
            (f, text)
        })
        .collect()
}

#[test]
fn every_documented_example_prints_what_the_documentation_says() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for (file, text) in documentation() {
        let blocks = blocks(&file, &text).unwrap_or_else(|e| panic!("{e}"));
        for block in blocks.iter().filter(|b| b.setup != Setup::Skip) {
            let _turn = turn();
            let dir = workspace();
            let generated = crate::common::xtask_in(dir.path(), &["generate", "--offline"]);
            assert_eq!(generated.code, 0, "{}: {}", block.place, generated.stderr);
            if block.setup == Setup::Applied {
                let r = crate::stack::run(dir.path(), &["apply", "--yes"]);
                assert_eq!(r.code, 0, "{}: apply failed:\n{}", block.place, r.stderr);
            }
            let place = match block.setup {
                Setup::Emulator => Place {
                    port: free_ports(),
                    dir: Some(
                        root()
                            .canonicalize()
                            .unwrap()
                            .join("target")
                            .join("emulator"),
                    ),
                },
                _ => Place {
                    port: emulator().port.parse().unwrap(),
                    dir: None,
                },
            };
            let outputs = run(block, dir.path(), &place);
            if let Some(emulator_dir) = &place.dir {
                // What the block started, stopped even when it failed.
                let _ = Command::new(env!("CARGO_BIN_EXE_xtask"))
                    .args(["local", "stop"])
                    .env("BEDROCK_EMULATOR_PORT", place.port.to_string())
                    .env("BEDROCK_EMULATOR_DIR", emulator_dir)
                    .output();
            }
            for ((command, expected), actual) in block.steps.iter().zip(&outputs) {
                // Blank lines at the end are the page's layout, not output.
                let actual = stand_ins(actual, &place).trim_end().to_string();
                let expected = stand_ins(expected, &place).trim_end().to_string();
                let result = std::panic::catch_unwind(|| {
                    snapbox::Assert::new()
                        .action_env("DOCS_TEST_ACTION")
                        .eq(actual.as_str(), expected.as_str())
                });
                if result.is_err() {
                    failures.push(format!("{}: `$ {command}` printed:\n{actual}", block.place));
                }
                ran += 1;
            }
        }
    }
    assert!(ran >= 20, "only {ran} documented commands ran");
    assert!(
        failures.is_empty(),
        "{} documented commands print something else:\n\n{}",
        failures.len(),
        failures.join("\n---\n")
    );
}

#[test]
fn a_block_without_its_marker_is_refused_and_commands_and_output_are_read_apart() {
    let text = "text\n\n<!-- docs-test: fresh -->\n```console\n$ cargo xtask validate\nok\n...\n$ echo $?\n0\n```\n\n```console\n$ x\n```\n";
    let e = blocks("f.md", text).unwrap_err();
    assert!(e.starts_with("f.md:12: the console block has no"), "{e}");
    let one = &blocks("f.md", &text[..text.find("\n\n```console\n$ x").unwrap()]).unwrap()[0];
    assert_eq!(one.setup, Setup::Fresh);
    assert_eq!(
        one.steps,
        [
            ("cargo xtask validate".to_string(), "ok\n...\n".to_string()),
            ("echo $?".to_string(), "0\n".to_string())
        ]
    );
    let place = Place {
        port: 40123,
        dir: None,
    };
    assert_eq!(
        stand_ins(
            "at http://127.0.0.1:40123 (pid 812) in 0.43 s: application-inference-profile/ab12cd34ef56; https://127.0.0.1:40124; `local stop --port 40123`",
            &place
        ),
        "at http://127.0.0.1:4566 (pid [PID]) in [T] s: application-inference-profile/[ID]; https://127.0.0.1:4567; `local stop`"
    );
}
