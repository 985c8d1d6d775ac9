//! `librechat-bedrock <command>`: every command of the tool, installed.

fn main() -> std::process::ExitCode {
    librechat_bedrock::run("librechat-bedrock", std::env::args_os().skip(1))
}
