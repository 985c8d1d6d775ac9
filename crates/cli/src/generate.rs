//! `generate`: write (or with `--check`, compare) the files the spec determines.

use crate::output::{error, load_spec, spec_dir, Exit};
use bedrock_generate::{FileState, Inputs};
use bedrock_spec::ACCOUNT_PLACEHOLDER;
use std::path::{Path, PathBuf};

pub struct GenerateOptions {
    pub offline: bool,
    pub check: bool,
    pub out: Option<PathBuf>,
}

pub fn generate(config: &Path, opts: &GenerateOptions, aws: &crate::AwsOptions) -> Exit {
    if !opts.offline {
        return crate::stack::generate_live(config, aws, opts.check, opts.out.clone());
    }
    let (loaded, spec) = match load_spec(config) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let spec_dir = spec_dir(config);
    let out_dir = opts.out.clone().unwrap_or_else(|| spec_dir.to_path_buf());
    let spec_name = loaded.path.file_name().map_or_else(
        || "bedrock.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let account_id = spec.account_or_placeholder().to_string();
    let inputs = Inputs {
        spec: &spec,
        spec_name: &spec_name,
        spec_dir,
        out_dir: &out_dir,
        account_id: &account_id,
    };
    let files = match bedrock_generate::offline_files(&inputs) {
        Ok(f) => f,
        Err(e) => {
            error(e);
            return Exit::Error;
        }
    };
    if opts.check {
        return crate::output::report_stale(&out_dir, &files, config, opts.out.as_deref(), true);
    }
    let states = match bedrock_generate::ensure(&out_dir, &files, false) {
        Ok(s) => s,
        Err(e) => {
            error(e);
            return Exit::Error;
        }
    };
    let shown = |p: &Path| out_dir.join(p).display().to_string();
    if account_id == ACCOUNT_PLACEHOLDER {
        eprintln!(
            "note: [stack] account_id is not set: the rendered policies use the placeholder account {ACCOUNT_PLACEHOLDER}"
        );
    }
    for (file, (path, state)) in files.iter().zip(&states) {
        let verb = match state {
            FileState::Unchanged => "unchanged",
            FileState::Missing => "created",
            FileState::Stale => "updated",
        };
        println!("{verb:>9}  {}  ({})", shown(path), file.note);
    }
    Exit::Success
}
