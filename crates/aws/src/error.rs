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
        if self.code_is(NO_CREDENTIALS) {
            return Some("sign in (`aws sso login --profile NAME`), set AWS_PROFILE to a profile of ~/.aws/config, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (an AWS-compatible endpoint needs them too: the values it accepts); `--local` uses the embedded emulator's own");
        }
        if self.message.contains("timeout") || self.message.contains("timed out") {
            return Some("the endpoint did not answer in time: check the network, the endpoint (AWS_ENDPOINT_URL, --endpoint-url) and the emulator's `local status`; BEDROCK_XTASK_TIMEOUT_SECONDS sets how long one call may take (default 60)");
        }
        if self.message.contains("dispatch failure") || self.message.contains("connection") {
            return Some("the endpoint could not be reached: check the network, AWS_ENDPOINT_URL, or the emulator's `local status`");
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
        // The credential chain's failure, said once, without what each provider tried
        // (the instance metadata service's words above all).
        let credentials = code.is_none()
            && (message.contains("loading credentials")
                || message.contains("no credentials found")
                || message.contains("credential provider"));
        if credentials {
            return AwsError {
                context: what,
                code: Some(NO_CREDENTIALS.into()),
                message: "no usable AWS credentials: none in the environment, the profile, SSO, web identity, the container or the instance".into(),
            };
        }
        AwsError {
            context: what,
            code,
            message: shorten(&message),
        }
    }
}

/// The code this layer gives a call that found no credentials to sign with.
pub const NO_CREDENTIALS: &str = "NoCredentials";

/// A message cut to a readable length (an echoed 10 MB value is not read).
pub fn shorten(message: &str) -> String {
    const LIMIT: usize = 600;
    if message.chars().count() <= LIMIT {
        return message.to_string();
    }
    let kept: String = message.chars().take(LIMIT).collect();
    format!(
        "{kept}... ({} more characters)",
        message.chars().count() - LIMIT
    )
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

impl AwsError {
    /// An error of this layer's own (no service answer).
    pub(crate) fn local(context: impl Into<String>, message: impl Into<String>) -> Self {
        AwsError {
            context: context.into(),
            code: None,
            message: message.into(),
        }
    }

    pub(crate) fn code_is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

/// Whether an SDK error carries one of these codes (the service answered "not there").
pub(crate) fn is_code<E: aws_sdk_bedrock::error::ProvideErrorMetadata>(
    e: &E,
    codes: &[&str],
) -> bool {
    e.code().is_some_and(|c| codes.contains(&c))
}

/// The HTTP status of a service's answer, when there was one.
pub(crate) fn status_of<E>(
    e: &aws_sdk_bedrock::error::SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

/// An SDK builder's failure as an error of `what`.
pub(crate) fn build_failed<E: std::fmt::Display>(what: &str) -> impl Fn(E) -> AwsError + Copy + '_ {
    move |e| AwsError::local(what, e.to_string())
}

/// A concurrent task that did not finish (it panicked or was cancelled).
pub(crate) fn join_error(e: tokio::task::JoinError) -> AwsError {
    AwsError::local("a concurrent call", e.to_string())
}

/// A call whose failure may only mean it is already done ("already exists" for a create
/// repeated after an interruption, "no such entity" for a delete): done, not an error.
pub(crate) fn done_if<T, E>(
    result: Result<T, E>,
    already: &[&str],
    what: impl Into<String>,
) -> Result<(), AwsError>
where
    E: aws_sdk_bedrock::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(e) if is_code(&e, already) => Ok(()),
        Err(e) => Err(context(what)(e)),
    }
}
