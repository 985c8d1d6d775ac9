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
        out(script(self.shell, program));
        Ok(Exit::Success)
    }
}

/// The completion script of `shell` for `program`.
fn script(shell: Shell, program: &str) -> String {
    // clap_complete's bash script names its cases from the binary's name with `-` escaped one
    // way for the top level and another for the subcommands, so that nothing below the top
    // level completes for a name with `-`. Generated under a name without it, then registered
    // for the real one.
    let name: String = if shell == Shell::Bash {
        program
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect()
    } else {
        program.to_string()
    };
    let mut command = crate::Cli::command()
        .name(name.clone())
        .bin_name(name.clone());
    let mut bytes = Vec::new();
    clap_complete::generate(shell, &mut command, name.clone(), &mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if shell != Shell::Bash || name == program {
        return text;
    }
    text.lines()
        .map(|line| match line.strip_suffix(&format!(" {name}")) {
            Some(head) if line.trim_start().starts_with("complete ") => format!("{head} {program}"),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_completes_the_flags_of_a_command_of_a_hyphenated_program() {
        let text = script(Shell::Bash, "librechat-bedrock");
        // Every case the script sets is one it handles.
        for line in text.lines().filter_map(|l| l.trim().strip_prefix("cmd=\"")) {
            let case = line.trim_end_matches('"');
            if case.is_empty() {
                continue;
            }
            assert!(
                text.contains(&format!("        {case})")),
                "no handler for {case}"
            );
        }
        assert!(text.contains("librechat_bedrock__subcmd__apply)"));
        assert!(text
            .lines()
            .any(|l| l.trim_start().starts_with("complete ") && l.ends_with(" librechat-bedrock")));
    }
}
