//! `validate`: parse and check the spec, every problem at once. Touches nothing.

use crate::output::{load_spec, out, Exit};
use bedrock_engine::Error;
use bedrock_engine::{Severity, DEFAULT_CONFIG};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Parse and check the spec; report every problem at once. Touches nothing.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The spec file.
    #[arg(long, value_name = "PATH", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

impl ValidateArgs {
    pub fn run(self) -> Result<Exit, Error> {
        if self.json {
            return Ok(validate_json(&self.config));
        }
        validate(&self.config)
    }
}

fn validate(config: &Path) -> Result<Exit, Error> {
    let spec = load_spec(config)?;
    let models = spec.librechat_models().len();
    out(format_args!(
        "{} is valid: stack {:?} in {}, {} inference profile{}, {} model{} for LibreChat\n",
        config.display(),
        spec.stack.name,
        spec.stack.region,
        spec.profiles.len(),
        if spec.profiles.len() == 1 { "" } else { "s" },
        models,
        if models == 1 { "" } else { "s" },
    ));
    Ok(Exit::Success)
}

/// The same check as a JSON document on stdout: `valid`, counts, and each diagnostic with
/// its key path, line and column.
fn validate_json(config: &Path) -> Exit {
    let loaded = match bedrock_engine::load_spec(config) {
        Ok(l) => l,
        Err(e) => {
            let doc = json!({
                "file": config.display().to_string(),
                "valid": false,
                "errors": 1,
                "warnings": 0,
                "diagnostics": [{"severity": "error", "path": null, "line": null, "column": null,
                                 "message": e.message, "help": "pass --config PATH"}],
            });
            crate::output::print_json(&doc);
            return Exit::Error;
        }
    };
    let report = loaded.report();
    let diagnostics: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| {
            let (line, column) = d.line_col(&loaded.source);
            json!({
                "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "path": d.path,
                "line": line,
                "column": column,
                "message": d.message,
                "help": d.help,
            })
        })
        .collect();
    let valid = loaded.checked.spec.is_some();
    let doc = json!({
        "file": config.display().to_string(),
        "valid": valid,
        "errors": report.errors(),
        "warnings": report.warnings(),
        "diagnostics": diagnostics,
    });
    crate::output::print_json(&doc);
    if valid {
        Exit::Success
    } else {
        Exit::Error
    }
}
