//! The generated files: files or a stdout that cannot be written stop apply before any AWS
//! write, keys of the user's in `librechat.yaml` are kept, and a write failing after AWS
//! changed says what was and was not written.

use super::*;

#[test]
fn files_that_cannot_be_written_stop_apply_before_any_aws_write() {
    let _turn = turn();
    let dir = project(None);
    // An --out under a regular file: no directory can be made there (root included).
    std::fs::write(dir.path().join("afile"), "").unwrap();
    let out = dir.path().join("afile/generated");
    let out = out.to_str().unwrap();
    refused(
        dir.path(),
        &["apply", "--yes", "--out", out],
        &["afile/generated/librechat.yaml: a part of this path is a file, not a directory"],
    );
    // A directory that takes no file (/proc: not even root's).
    refused(
        dir.path(),
        &["apply", "--yes", "--out", "/proc/librechat-bedrock-out"],
        &[
            "cannot be written: /proc takes no new file",
            "nothing was changed, in AWS or on disk",
        ],
    );
    assert!(application_profiles(&clients("us-east-1")).is_empty());
}

#[test]
fn apply_into_a_closed_stdout_stops_before_any_aws_write() {
    let _turn = turn();
    let dir = project(None);
    let run = common::xtask_into_closed_pipe(
        dir.path(),
        &["apply", "--yes", "--local"],
        &[("BEDROCK_EMULATOR_PORT", &emulator().port)],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("stdout was closed; stopping"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(application_profiles(&clients("us-east-1")).is_empty());
    assert!(!dir.path().join(".env").exists());
}

#[test]
fn keys_of_the_user_s_inside_endpoints_bedrock_are_kept_and_named() {
    let _turn = turn();
    let dir = project(None);
    apply(dir.path());
    let yaml = std::fs::read_to_string(dir.path().join("librechat.yaml")).unwrap();
    // streamRate and titleConvo by hand, inside the tool's section.
    let edited = yaml.replacen(
        "    models:\n",
        "    streamRate: 35\n    titleConvo: true\n    models:\n",
        1,
    );
    assert_ne!(edited, yaml);
    std::fs::write(dir.path().join("librechat.yaml"), &edited).unwrap();
    let named = "streamRate (the spec sets it with [librechat] stream_rate), titleConvo (the spec sets it with [librechat] title_convo)";
    for args in [&["plan"][..], &["apply", "--yes"]] {
        let r = run(dir.path(), args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(r.stdout.contains(named), "{args:?}: {}", r.stdout);
    }
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 0, "{}", drift.stdout);
    assert!(
        drift.stdout.contains("kept: ") && drift.stdout.contains(named),
        "{}",
        drift.stdout
    );
    let loaded = std::fs::read_to_string(dir.path().join("librechat.yaml")).unwrap();
    assert!(
        loaded.contains("streamRate: 35") && loaded.contains("titleConvo: true"),
        "{loaded}"
    );
}

#[test]
fn a_file_write_failing_after_aws_changed_says_what_was_and_was_not_written() {
    let _turn = turn();
    let dir = project(None);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // The files are checked writable, AWS is changed, then (during the debug build's pause)
    // the output directory turns into a file.
    let apply = {
        let dir = dir.path().to_path_buf();
        let out = out.to_str().unwrap().to_string();
        std::thread::spawn(move || {
            run_env(
                &dir,
                &["apply", "--yes", "--out", &out],
                &[("BEDROCK_XTASK_PAUSE_BEFORE_FILES_MS", "4000")],
            )
        })
    };
    let c = clients("us-east-1");
    let started = std::time::Instant::now();
    while application_profiles(&c).len() < 3 && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::write(&out, "in the way").unwrap();
    let r = apply.join().unwrap();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("out: it is a file, not a directory; no file was written")
            && r.stderr.contains("AWS was changed (15 writes)")
            && r.stderr.contains("cargo xtask generate --local --out"),
        "{}",
        r.stderr
    );
}
