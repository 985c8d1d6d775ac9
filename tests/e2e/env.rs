//! The user's `.env`: every byte, link and mode kept, variables the user set, two stacks
//! writing it at once, links out of the project, and what a real dotenv parser reads.

use super::*;

#[test]
fn the_user_s_env_keeps_every_byte_its_link_and_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let _turn = turn();
    let dir = project(None);
    // LibreChat's .env as people have it: a BOM, CRLF, `export`, inline comments, a quoted
    // value over several lines (with a line inside that looks like one of ours), kept in
    // LibreChat's directory of the repository and linked, readable by LibreChat's group.
    let real = dir.path().join("librechat");
    std::fs::create_dir(&real).unwrap();
    let target = real.join("librechat.env");
    let user = "\u{feff}# LibreChat\r\nexport OPENAI_API_KEY=\"sk-x\" # mine\r\nPRIVATE_KEY=\"-----BEGIN\r\nBEDROCK_CLAUDE_37_PROFILE=inside-a-value\r\n-----END\"\r\nCREDS_KEY=abc\r\n";
    std::fs::write(&target, user).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join(".env")).unwrap();

    let r = apply(dir.path());
    assert!(
        r.stdout.contains("through the link"),
        "the output says where it wrote: {}",
        r.stdout
    );
    let link = std::fs::symlink_metadata(dir.path().join(".env")).unwrap();
    assert!(link.file_type().is_symlink(), "the link stays a link");
    let applied = std::fs::read_to_string(&target).unwrap();
    assert!(
        applied.starts_with(user),
        "every byte of the user's kept:\n{applied}"
    );
    assert!(applied.contains("\r\n# >>> librechat-bedrock stack=librechat"));
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "its group still reads it");
    assert_eq!(writes(&apply(dir.path())), 0);

    // A profile removed from the spec: drift names .env until apply takes its line out.
    let spec = std::fs::read_to_string(dir.path().join("bedrock.toml")).unwrap();
    let start = spec
        .find("[[profiles]]\nname = \"LibreChat-Claude-Opus-4-5\"")
        .unwrap();
    let end = start + spec[start..].find("\n\n").unwrap() + 2;
    std::fs::write(
        dir.path().join("bedrock.toml"),
        format!("{}{}", &spec[..start], &spec[end..]),
    )
    .unwrap();
    let drift = run(dir.path(), &["drift"]);
    assert_eq!(drift.code, 2);
    assert!(
        drift
            .stdout
            .contains("- BEDROCK_OPUS_45_PROFILE=arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/"),
        "{}",
        drift.stdout
    );
    apply(dir.path());
    assert!(!std::fs::read_to_string(&target)
        .unwrap()
        .contains("BEDROCK_OPUS_45_PROFILE"));

    // Destroy takes the block out: the user's file is as it was.
    let r = run(dir.path(), &["destroy", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), user);
    assert!(std::fs::symlink_metadata(dir.path().join(".env"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn a_variable_the_user_set_stops_apply_before_any_aws_write() {
    let _turn = turn();
    let dir = project(None);
    let user = "BEDROCK_AWS_DEFAULT_REGION=us-east-1\nBEDROCK_SONNET_45_PROFILE=arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/mine\n";
    std::fs::write(dir.path().join(".env"), user).unwrap();
    refused(
        dir.path(),
        &["apply", "--yes"],
        &[
            "BEDROCK_SONNET_45_PROFILE (line 2) is set outside this tool's block for stack librechat, to other values",
            "delete that line",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env")).unwrap(),
        user
    );
    assert!(application_profiles(&clients("us-east-1")).is_empty());
    // The same value where the user put it is no conflict: it stays theirs, once.
    std::fs::write(
        dir.path().join(".env"),
        "BEDROCK_AWS_DEFAULT_REGION=us-east-1\n",
    )
    .unwrap();
    apply(dir.path());
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert_eq!(
        env.matches("BEDROCK_AWS_DEFAULT_REGION").count(),
        1,
        "{env}"
    );
}

#[test]
fn two_stacks_writing_one_env_at_once_keep_both_blocks() {
    let _turn = turn();
    let dir = project(None);
    std::fs::write(
        dir.path().join("staging.toml"),
        "[stack]\nname = \"staging\"\nregion = \"us-east-1\"\n\n[logging]\nmanaged = false\n\n\
         [[profiles]]\nname = \"Staging-Claude\"\nmodel = \"us.anthropic.claude-3-7-sonnet-20250219-v1:0\"\nenv = \"STAGING_CLAUDE\"\n",
    )
    .unwrap();
    apply(dir.path());
    let staged = run(dir.path(), &["apply", "--yes", "--config", "staging.toml"]);
    assert_eq!(staged.code, 0, "{}", staged.stderr);
    for round in 0..2 {
        // Both blocks to write again, by two processes at once: each reads the file, then
        // (the debug build's pause) writes while the other has read it too.
        std::fs::remove_file(dir.path().join(".env")).unwrap();
        let runs: Vec<_> = [
            vec!["generate"],
            vec!["generate", "--config", "staging.toml"],
        ]
        .into_iter()
        .map(|args| {
            let dir = dir.path().to_path_buf();
            std::thread::spawn(move || {
                run_env(
                    &dir,
                    &args,
                    &[("BEDROCK_XTASK_PAUSE_BEFORE_FILES_MS", "1500")],
                )
            })
        })
        .collect();
        for r in runs {
            let r = r.join().unwrap();
            assert_eq!(r.code, 0, "round {round}: {}", r.stderr);
        }
        let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
        for stack in ["librechat", "staging"] {
            assert!(
                env.contains(&format!("# >>> librechat-bedrock stack={stack}:")),
                "round {round}: the block of {stack} was lost:\n{env}"
            );
        }
    }
}

#[test]
fn a_link_out_of_the_project_or_a_read_only_env_stops_apply_before_any_aws_write() {
    use std::os::unix::fs::PermissionsExt;
    let _turn = turn();
    let dir = project(None);
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("passwd");
    std::fs::write(&target, "root:x:0:0\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = dir.path().join(".env");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    refused(
        dir.path(),
        &["apply", "--yes"],
        &[
            ".env: it is a symbolic link to",
            "passwd, outside",
            "BEDROCK_XTASK_FOLLOW_LINKS_OUTSIDE=1",
        ],
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "root:x:0:0\n");
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    // Said on purpose, the link is followed.
    let r = run_env(
        dir.path(),
        &["apply", "--yes"],
        &[("BEDROCK_XTASK_FOLLOW_LINKS_OUTSIDE", "1")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(
        written.starts_with("root:x:0:0\n") && written.contains("\n# >>> librechat-bedrock"),
        "{written}"
    );

    // A read-only .env is refused, not replaced.
    std::fs::remove_file(&link).unwrap();
    std::fs::write(&link, "MINE=1\n").unwrap();
    std::fs::set_permissions(&link, std::fs::Permissions::from_mode(0o400)).unwrap();
    let r = run(dir.path(), &["apply", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("it is read-only (mode 0400)"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&link).unwrap(), "MINE=1\n");
}

#[test]
fn markers_inside_a_quoted_value_are_the_user_s_and_dotenv_reads_the_block() {
    let _turn = turn();
    let dir = project(None);
    let cert = "-----BEGIN-----\n# >>> librechat-bedrock stack=librechat\nabc\n# <<< librechat-bedrock stack=librechat\n-----END-----";
    let user = format!("CERT=\"{cert}\"\n");
    let path = dir.path().join(".env");
    std::fs::write(&path, &user).unwrap();
    apply(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(&user),
        "every byte of the user's first:\n{text}"
    );
    assert_eq!(run(dir.path(), &["drift"]).code, 0);
    // A real dotenv parser (python-dotenv, in the emulator's virtualenv) reads the value
    // whole and every variable of the block.
    let python = bedrock_emulator::Installation::at(&bedrock_emulator::default_dir()).python();
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import json, sys; from dotenv import dotenv_values; print(json.dumps(dotenv_values(sys.argv[1])))",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let values: BTreeMap<String, Option<String>> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(values["CERT"].as_deref(), Some(cert), "{values:#?}");
    for var in [
        "BEDROCK_CLAUDE_37_PROFILE",
        "BEDROCK_SONNET_45_PROFILE",
        "BEDROCK_OPUS_45_PROFILE",
    ] {
        let arn = values.get(var).cloned().flatten().unwrap_or_default();
        assert!(
            arn.starts_with("arn:aws:bedrock:us-east-1:"),
            "{var}: {values:#?}"
        );
    }
    assert!(!values.contains_key("abc"), "{values:#?}");
}

/// Property: whatever a user's `.env` holds (quotes of every kind over several lines, escaped
/// quotes, fake markers inside values, `export`, comments, CRLF, a BOM), merging the block
/// keeps every byte of it, and a real dotenv parser (python-dotenv, in the emulator's
/// virtualenv) reads the user's variables as before and the block's as the tool wrote them.
#[test]
fn any_user_env_keeps_its_bytes_and_dotenv_reads_the_block_as_written() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let _turn = turn();
    let fragments = prop::sample::select(vec![
        "PLAIN=value\n",
        "export EXPORTED=\"a b\" # inline comment\n",
        "SINGLE='it is # not a comment'\n",
        "# >>> librechat-bedrock stack=other: another stack's block\nOTHER_STACK=x\n# <<< librechat-bedrock stack=other\n",
        "# a comment of mine\n",
        "\n",
        "CERT=\"-----BEGIN-----\n# >>> librechat-bedrock stack=librechat\nabc=1\n# <<< librechat-bedrock stack=librechat\n-----END-----\"\n",
        "QUOTED=\"with \\\" an escaped quote\nand a second line\"\n",
        "SQ='over\ntwo lines'\n",
        "EMPTY=\n",
        "SPACED = spaced\n",
    ]);
    let files = prop::collection::vec(fragments, 0..8)
        .prop_flat_map(|parts| (Just(parts), any::<bool>(), any::<bool>()));
    let values = vec![
        (
            "BEDROCK_AWS_DEFAULT_REGION".to_string(),
            "us-east-1".to_string(),
        ),
        (
            "BEDROCK_P".to_string(),
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc".to_string(),
        ),
    ];
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let cases = std::cell::RefCell::new(Vec::new());
    runner
        .run(&files, |(parts, crlf, bom)| {
            let mut user = parts.concat();
            if crlf {
                user = user.replace('\n', "\r\n");
            }
            if bom {
                user.insert(0, '\u{feff}');
            }
            let merged = bedrock_generate::merge_env(
                Some(&user),
                &values,
                "librechat",
                "bedrock.toml",
                ".env",
            )
            .map_err(|e| TestCaseError::fail(format!("{e}\n{user:?}")))?;
            prop_assert!(merged.starts_with(&user), "{user:?}\n{merged:?}");
            let n = cases.borrow().len();
            let (before, after) = (
                dir.path().join(format!("{n}.before")),
                dir.path().join(format!("{n}.after")),
            );
            std::fs::write(&before, &user).unwrap();
            std::fs::write(&after, &merged).unwrap();
            cases.borrow_mut().push((before, after, user, merged));
            Ok(())
        })
        .unwrap();
    let cases = cases.into_inner();
    let python = bedrock_emulator::Installation::at(&bedrock_emulator::default_dir()).python();
    let script = "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps({p: dotenv_values(p) for p in sys.argv[1:]}))";
    let mut command = std::process::Command::new(python);
    command.args(["-c", script]);
    for (before, after, ..) in &cases {
        command.arg(before).arg(after);
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: BTreeMap<String, BTreeMap<String, Option<String>>> =
        serde_json::from_slice(&out.stdout).unwrap();
    for (before, after, user, merged) in &cases {
        let mut was = parsed[&before.display().to_string()].clone();
        let now = &parsed[&after.display().to_string()];
        for (name, value) in &values {
            assert_eq!(
                now.get(name).cloned().flatten().as_deref(),
                Some(value.as_str()),
                "{name} in\n{merged:?}"
            );
            was.insert(name.clone(), Some(value.clone()));
        }
        assert_eq!(
            &was, now,
            "the user's variables, from\n{user:?}\nto\n{merged:?}"
        );
    }
}
