//! `validate`: parse and check the spec, every problem at once. Touches nothing.

use crate::output::{load_spec, Exit};
use bedrock_spec::Severity;
use serde_json::json;
use std::path::Path;

pub fn validate(config: &Path, as_json: bool) -> Exit {
    if as_json {
        return validate_json(config);
    }
    match load_spec(config) {
        Ok((_, spec)) => {
            let models = spec.librechat_models().len();
            println!(
                "{} is valid: stack {:?} in {}, {} inference profile{}, {} model{} for LibreChat",
                config.display(),
                spec.stack.name,
                spec.stack.region,
                spec.profiles.len(),
                if spec.profiles.len() == 1 { "" } else { "s" },
                models,
                if models == 1 { "" } else { "s" },
            );
            Exit::Success
        }
        Err(code) => code,
    }
}

/// The same check as a JSON document on stdout: `valid`, counts, and each diagnostic with
/// its key path, line and column.
fn validate_json(config: &Path) -> Exit {
    let loaded = match bedrock_spec::load(config) {
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
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
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
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    if valid {
        Exit::Success
    } else {
        Exit::Error
    }
}
