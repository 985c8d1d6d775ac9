//! The files generated from the spec (`librechat.yaml`, the rendered policies) and the
//! `.env` merge, as text: this crate reads what is there and writes nothing (`bedrock-files`
//! writes). The plan decides what to write; the engine computes every file before writing
//! any.

mod env;

pub use env::{assigned_name, block_comments, block_values, has_block, merge_env, value_of};

use bedrock_spec::Spec;
use std::fmt;
use std::path::{Path, PathBuf};

/// A file to generate: where (relative to the output directory) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
    /// Unix permission bits for a new file; an existing file keeps its own unless `private`.
    pub mode: u32,
    /// Always exactly `mode` (0600 for `.env`), whatever the existing file had.
    pub private: bool,
    /// Where the contents came from, for the summary (`from policies/x.json`).
    pub note: String,
    /// What of the user's the file keeps that the spec could set (keys inside
    /// `endpoints.bedrock`), for the plan's "kept on purpose".
    pub kept: Option<String>,
}

#[derive(Debug)]
pub struct GenerateError {
    pub path: PathBuf,
    pub message: String,
    pub help: String,
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}\n  help: {}",
            self.path.display(),
            self.message,
            self.help
        )
    }
}

impl std::error::Error for GenerateError {}

/// What generating needs to know beyond the spec.
pub struct Inputs<'a> {
    pub spec: &'a Spec,
    /// The spec file's name, named in the generated headers.
    pub spec_name: &'a str,
    /// The directory the spec is in: templates are read from its `policies/`.
    pub spec_dir: &'a Path,
    pub out_dir: &'a Path,
    /// The account to render for (the spec's `account_id`, or the live one, or a placeholder).
    pub account_id: &'a str,
    /// The id and published version of the guardrail `[librechat] guardrail` names by name
    /// (one of `[[guardrails]]`), when known: only AWS knows them.
    pub guardrail: Option<(&'a str, &'a str)>,
}

pub const LIBRECHAT_YAML: &str = "librechat.yaml";
pub const DOT_ENV: &str = ".env";
/// The region line LibreChat reads for Bedrock.
pub const REGION_VARIABLE: &str = "BEDROCK_AWS_DEFAULT_REGION";

/// The files `generate --offline` writes: `librechat.yaml` and the rendered policies.
pub fn offline_files(inputs: &Inputs<'_>) -> Result<Vec<GeneratedFile>, GenerateError> {
    let mut files = vec![librechat_yaml(inputs)?];
    files.extend(policy_files(inputs)?);
    Ok(files)
}

/// The rendered logging policies (none when logging is another stack's).
pub fn policy_files(inputs: &Inputs<'_>) -> Result<Vec<GeneratedFile>, GenerateError> {
    let mut files = Vec::new();
    // The logging policies describe logging this stack sets up: none when it is another's.
    if !inputs.spec.logging.managed {
        return Ok(files);
    }
    let policies_dir = inputs.spec_dir.join("policies");
    let rendered = bedrock_policy::render_all(&policies_dir, inputs.spec, inputs.account_id)
        .map_err(|e| GenerateError {
            path: PathBuf::from(&e.origin),
            message: match e.line {
                Some(line) => format!("line {line}: {}", e.message),
                None => e.message.clone(),
            },
            help: e.help.clone(),
        })?;
    // S3 alone needs no logging role: only the bucket's policy describes what exists.
    let role_kinds = [
        bedrock_policy::PolicyKind::LoggingTrust,
        bedrock_policy::PolicyKind::LoggingCloudWatch,
        bedrock_policy::PolicyKind::LoggingS3,
    ];
    let no_role = !inputs.spec.logging.to_cloudwatch();
    for r in rendered {
        if no_role && role_kinds.contains(&r.kind) {
            continue;
        }
        files.push(GeneratedFile {
            path: Path::new("policies").join(r.kind.rendered_file()),
            contents: r.to_canonical_json(),
            mode: 0o644,
            private: false,
            note: format!("{}, from {}", r.kind.describe(), r.origin),
            kept: None,
        });
    }
    Ok(files)
}

/// `librechat.yaml` as it is on disk in `out_dir` (None: no file).
pub fn existing_librechat_yaml(out_dir: &Path) -> Result<Option<String>, GenerateError> {
    read_existing(
        &out_dir.join(LIBRECHAT_YAML),
        "LibreChat reads librechat.yaml as UTF-8: re-save it as UTF-8",
    )
}

fn librechat_yaml(inputs: &Inputs<'_>) -> Result<GeneratedFile, GenerateError> {
    let existing = existing_librechat_yaml(inputs.out_dir)?;
    librechat_file(
        existing.as_deref(),
        inputs.spec,
        inputs.spec_name,
        inputs.guardrail,
        &inputs.out_dir.join(LIBRECHAT_YAML),
    )
}

/// `librechat.yaml` from its existing text: `endpoints.bedrock` from the spec (and the
/// managed guardrail's id and version), every other byte kept. `path` is how errors name it.
pub fn librechat_file(
    existing: Option<&str>,
    spec: &Spec,
    spec_name: &str,
    guardrail: Option<(&str, &str)>,
    path: &Path,
) -> Result<GeneratedFile, GenerateError> {
    let path = path.to_path_buf();
    let section = bedrock_librechat::bedrock_section(spec, guardrail).map_err(|_| {
        let name = match spec.librechat.guardrail.as_ref().map(|g| &g.target) {
            Some(bedrock_spec::GuardrailTarget::Managed { name }) => name.as_str(),
            _ => "",
        };
        GenerateError {
            path: path.clone(),
            message: format!("[librechat] guardrail names {name:?} of [[guardrails]], whose id and published version only AWS knows"),
            help: "write it with AWS: `cargo xtask apply` creates the guardrail, `cargo xtask generate` (without --offline) writes the file from the live guardrail".into(),
        }
    })?;
    let contents =
        bedrock_librechat::update(existing, &section, spec_name).map_err(|e| GenerateError {
            path: path.clone(),
            message: match e.line {
                Some(line) => format!("line {line}: {}", e.message),
                None => e.message.clone(),
            },
            help: e.help.clone(),
        })?;
    let kept: Vec<String> = existing
        .map(|text| bedrock_librechat::kept_keys(text, &section))
        .unwrap_or_default()
        .iter()
        .map(|k| match bedrock_librechat::spec_key_of(k) {
            Some(key) => format!("{k} (the spec sets it with {key})"),
            None => k.clone(),
        })
        .collect();
    let kept = (!kept.is_empty()).then(|| {
        format!(
            "your keys inside endpoints.bedrock that the spec does not set stay: {}",
            kept.join(", ")
        )
    });
    Ok(GeneratedFile {
        path: PathBuf::from(LIBRECHAT_YAML),
        contents,
        mode: 0o644,
        private: false,
        note: match (&existing, &kept) {
            (None, _) => "new file".into(),
            (Some(_), None) => "endpoints.bedrock from the spec, the rest of the file yours".into(),
            (Some(_), Some(kept)) => format!("endpoints.bedrock from the spec; {kept}"),
        },
        kept,
    })
}

/// An existing file's text, None when there is no file.
pub fn read_existing(path: &Path, utf8_help: &str) -> Result<Option<String>, GenerateError> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| GenerateError {
                path: path.to_path_buf(),
                message: "not valid UTF-8".into(),
                help: utf8_help.into(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Err(GenerateError {
            path: path.to_path_buf(),
            message: "a part of this path is a file, not a directory".into(),
            help: "choose another --out, or move that file out of the way".into(),
        }),
        Err(e) => Err(GenerateError {
            path: path.to_path_buf(),
            message: format!("cannot read it: {e}"),
            help: "check the file's permissions".into(),
        }),
    }
}
