//! Exit codes, colour, and loading the spec with its report printed.

use bedrock_spec::{Loaded, Spec};
use std::io::IsTerminal;
use std::path::Path;

/// The exit codes of the product contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Error = 1,
    Changes = 2,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

/// Colour on stderr only for a terminal, and never when NO_COLOR is set.
pub(crate) fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Print a one-line error with its fix to stderr.
pub(crate) fn error(message: impl std::fmt::Display) {
    eprintln!("error: {message}");
}

/// Load and check the spec, printing its diagnostics to stderr. `Err` carries the exit code
/// when the spec cannot be used.
pub(crate) fn load_spec(config: &Path) -> Result<(Loaded, Spec), Exit> {
    let loaded = bedrock_spec::load(config).map_err(|e| {
        error(e);
        Exit::Error
    })?;
    let report = loaded.report();
    if !report.diagnostics.is_empty() {
        eprint!("{}", report.render(stderr_color()));
    }
    match loaded.checked.spec.clone() {
        Some(spec) => Ok((loaded, spec)),
        None => Err(Exit::Error),
    }
}

/// The directory a spec lives in: empty for a bare file name, so that paths joined to it
/// print as the user would write them (`librechat.yaml`, not `./librechat.yaml`).
pub(crate) fn spec_dir(config: &Path) -> &Path {
    config.parent().unwrap_or(Path::new(""))
}

/// `generate --check`: compare `files` with the disk, write nothing, name each stale file and
/// the exact command that fixes it. Exit 0 when all are current, 2 when not.
pub(crate) fn report_stale(
    out_dir: &Path,
    files: &[bedrock_generate::GeneratedFile],
    config: &Path,
    out: Option<&Path>,
    offline: bool,
) -> Exit {
    use bedrock_generate::FileState;
    let states = match bedrock_generate::ensure(out_dir, files, true) {
        Ok(s) => s,
        Err(e) => {
            error(e);
            return Exit::Error;
        }
    };
    let stale: Vec<_> = states
        .iter()
        .filter(|(_, s)| *s != FileState::Unchanged)
        .collect();
    if stale.is_empty() {
        println!(
            "{} generated files are up to date with {}",
            states.len(),
            config.display()
        );
        return Exit::Success;
    }
    let source = if offline {
        "the spec"
    } else {
        "the spec and the live profiles"
    };
    for (path, state) in &stale {
        let why = if *state == FileState::Missing {
            "missing".to_string()
        } else {
            format!(
                "differs from what {source} generate{}",
                if offline { "s" } else { "" }
            )
        };
        println!("stale: {} ({why})", out_dir.join(path).display());
    }
    let mut fix = format!(
        "cargo xtask generate{} --config {}",
        if offline { " --offline" } else { "" },
        config.display()
    );
    if let Some(out) = out {
        fix.push_str(&format!(" --out {}", out.display()));
    }
    println!(
        "{} of {} generated files are out of date: run `{fix}`",
        stale.len(),
        states.len()
    );
    Exit::Changes
}
