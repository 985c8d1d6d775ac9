//! Errors of the AWS layer: what was being done, and the service's answer.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// What was being done ("creating log group /aws/bedrock/...").
    pub context: String,
    /// The service's error code, when it sent one.
    pub code: Option<String>,
    pub message: String,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{}: {code}: {}", self.context, self.message),
            None => write!(f, "{}: {}", self.context, self.message),
        }?;
        if let Some(help) = self.help() {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AwsError {}

impl AwsError {
    fn help(&self) -> Option<&'static str> {
        let code = self.code.as_deref().unwrap_or("");
        if code.contains("AccessDenied") || code == "UnauthorizedOperation" {
            return Some("the credentials lack a permission this call needs: grant it, or use other credentials (AWS_PROFILE)");
        }
        if code.contains("ExpiredToken")
            || code == "InvalidClientTokenId"
            || code == "UnrecognizedClientException"
        {
            return Some("the credentials are expired or invalid: refresh them (`aws sso login`, AWS_PROFILE)");
        }
        if self.message.contains("dispatch failure") || self.message.contains("connection") {
            return Some("the endpoint could not be reached: check the network, AWS_ENDPOINT_URL, or `cargo xtask local status` for the emulator");
        }
        None
    }
}

/// Attach context to an SDK error.
pub fn context<E>(what: impl Into<String>) -> impl FnOnce(E) -> AwsError
where
    E: aws_sdk_bedrock::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    let what = what.into();
    move |e: E| {
        let code = e.code().map(str::to_string);
        let message = e.message().map(str::to_string).unwrap_or_else(|| chain(&e));
        AwsError {
            context: what,
            code,
            message,
        }
    }
}

/// An error and its causes, "outer: inner: innermost", without repeating a cause that its
/// parent already quotes.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
