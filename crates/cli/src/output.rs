//! Exit codes, colour, printing (a closed pipe is not a panic), the confirmation prompt,
//! and loading the spec with its report printed.

use bedrock_engine::Error;
use bedrock_spec::Spec;
use std::io::{BufRead, IsTerminal, Write};
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

fn color_for(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Colour on stdout only for a terminal, and never when NO_COLOR is set.
pub(crate) fn stdout_color() -> bool {
    color_for(std::io::stdout().is_terminal())
}

pub(crate) fn stderr_color() -> bool {
    color_for(std::io::stderr().is_terminal())
}

/// Write to stdout. When the reader has gone (`| head`), stop quietly: there is no one left
/// to tell but stderr.
pub(crate) fn out(text: impl std::fmt::Display) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = write!(stdout, "{text}").and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            let _ = writeln!(std::io::stderr(), "error: stdout was closed; stopping");
            std::process::exit(Exit::Error as i32);
        }
    }
}

/// A line to stderr (progress, notes, the calls line), above any progress bar; a closed
/// stderr is ignored.
pub(crate) fn note(text: impl std::fmt::Display) {
    match crate::progress::active() {
        Some(bars) => {
            let _ = bars.println(text.to_string());
        }
        None => {
            let _ = writeln!(std::io::stderr(), "{text}");
        }
    }
}

pub(crate) fn print_json(value: &impl serde::Serialize) {
    out(json_text(value));
}

/// A value as the `--json` output prints it.
pub(crate) fn json_text(value: &impl serde::Serialize) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).unwrap_or_default()
    )
}

/// Write `text` to `path` whole or not at all (a temporary file beside it, renamed).
pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<(), Error> {
    let fail = |e: std::io::Error| {
        Error::other(
            format!("cannot write {}: {e}", path.display()),
            "check that its directory exists and is writable",
        )
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    std::fs::write(&partial, text).map_err(fail)?;
    std::fs::rename(&partial, path).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        fail(e)
    })
}

/// Ask on a terminal; refuse without one. `plan` is the command that shows the changes.
pub(crate) fn confirm(question: &str, yes: bool, plan: &str) -> Result<(), Error> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Error::other(
            "refusing to change AWS without confirmation: stdin is not a terminal",
            format!("pass --yes to run without a prompt (CI), after reviewing `{plan}`"),
        ));
    }
    eprint!("{question} Only 'yes' is accepted: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() || answer.trim() != "yes" {
        return Err(Error::other(
            "cancelled: nothing was changed",
            format!("answer 'yes' to apply, or review `{plan}` first"),
        ));
    }
    Ok(())
}

/// Load and check the spec, printing its diagnostics to stderr (an invalid spec's report
/// says everything: the error is `Reported`).
pub(crate) fn load_spec(config: &Path) -> Result<Spec, Error> {
    let loaded = bedrock_spec::load(config)?;
    let report = loaded.report();
    if !report.diagnostics.is_empty() {
        eprint!("{}", report.render(stderr_color()));
    }
    loaded.checked.spec.clone().ok_or(Error::Reported)
}
