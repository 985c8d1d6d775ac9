//! `completions <shell>`: shell completions for every command and flag, named as the user
//! runs this tool.

use crate::output::{out, Exit};
use bedrock_engine::Error;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Print shell completions (bash, zsh, fish, elvish, powershell) on stdout.
///
/// bash: `librechat-bedrock completions bash > ~/.local/share/bash-completion/completions/librechat-bedrock`;
/// zsh: into a directory of your `fpath` as `_librechat-bedrock`;
/// fish: `> ~/.config/fish/completions/librechat-bedrock.fish`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

impl CompletionsArgs {
    pub fn run(self) -> Result<Exit, Error> {
        let program = crate::program();
        let mut command = crate::Cli::command().name(program).bin_name(program);
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut command, program, &mut script);
        out(String::from_utf8_lossy(&script));
        Ok(Exit::Success)
    }
}
