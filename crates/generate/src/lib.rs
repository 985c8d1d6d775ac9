//! The files generated from the spec (`librechat.yaml`, the rendered policies), the `.env`
//! merge, and the one function that writes a file: atomically (a temporary file in the same
//! directory, renamed over the old one), so a failure never leaves a half-written file. The
//! plan decides what to write; the engine computes every file before writing any.

mod env;

pub use env::{assigned_name, merge_env, value_of};

use bedrock_spec::Spec;
use std::fmt;
use std::io::Write;
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
}

pub const LIBRECHAT_YAML: &str = "librechat.yaml";
pub const DOT_ENV: &str = ".env";
/// The region line LibreChat reads for Bedrock.
pub const REGION_VARIABLE: &str = "BEDROCK_AWS_DEFAULT_REGION";

/// The files `generate --offline` writes: `librechat.yaml` and the rendered policies.
pub fn offline_files(inputs: &Inputs<'_>) -> Result<Vec<GeneratedFile>, GenerateError> {
    let mut files = vec![librechat_yaml(inputs)?];
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
    for r in rendered {
        files.push(GeneratedFile {
            path: Path::new("policies").join(r.kind.rendered_file()),
            contents: r.to_canonical_json(),
            mode: 0o644,
            private: false,
            note: format!("{}, from {}", r.kind.describe(), r.origin),
        });
    }
    Ok(files)
}

fn librechat_yaml(inputs: &Inputs<'_>) -> Result<GeneratedFile, GenerateError> {
    let path = inputs.out_dir.join(LIBRECHAT_YAML);
    let existing = read_existing(
        &path,
        "LibreChat reads librechat.yaml as UTF-8: re-save it as UTF-8",
    )?;
    let section = bedrock_librechat::bedrock_section(inputs.spec);
    let contents = bedrock_librechat::update(existing.as_deref(), &section, inputs.spec_name)
        .map_err(|e| GenerateError {
            path: path.clone(),
            message: match e.line {
                Some(line) => format!("line {line}: {}", e.message),
                None => e.message.clone(),
            },
            help: e.help.clone(),
        })?;
    Ok(GeneratedFile {
        path: PathBuf::from(LIBRECHAT_YAML),
        contents,
        mode: 0o644,
        private: false,
        note: if existing.is_some() {
            "endpoints.bedrock replaced, the rest kept".into()
        } else {
            "new file".into()
        },
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
        Err(e) => Err(GenerateError {
            path: path.to_path_buf(),
            message: format!("cannot read it: {e}"),
            help: "check the file's permissions".into(),
        }),
    }
}

/// Write `bytes` to `path` through a temporary file in the same directory and a rename, so
/// readers see the old file or the new one, never a mix. An existing file keeps its
/// permissions; a new one gets `mode`.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    exact_mode: bool,
) -> Result<(), GenerateError> {
    let fail = |what: &str, e: std::io::Error| GenerateError {
        path: path.to_path_buf(),
        message: format!("{what}: {e}"),
        help: "check that the directory exists and is writable".into(),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| fail("cannot create its directory", e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".generate-")
        .tempfile_in(&dir)
        .map_err(|e| fail("cannot create a temporary file beside it", e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| fail("cannot write", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if exact_mode {
            mode
        } else {
            std::fs::metadata(path)
                .map(|m| m.permissions().mode() & 0o7777)
                .unwrap_or(mode)
        };
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .map_err(|e| fail("cannot set permissions", e))?;
    }
    tmp.persist(path)
        .map_err(|e| fail("cannot replace it", e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_keeps_the_mode_of_an_existing_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        write_atomic(&p, b"one", 0o600, false).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"two", 0o600, false).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        write_atomic(&p, b"three", 0o600, true).unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"two", 0o600, false).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        // No temporary files are left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
