//! Errors of the AWS layer: what was being done, and the service's answer.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// What was being done ("creating log group /aws/bedrock/...").
    pub context: String,
    /// The service's error code, when it sent one.
    pub code: Option<String>,
    pub message: String,
    /// What the service's modelled error means, when the call's error was read as one
    /// ([`failed`]).
    pub(crate) class: Option<Class>,
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
        // AWS Budgets' refusal of a topic is an AccessDenied of the topic's, not the caller's.
        if self.message.starts_with("Invalid SNS topic")
            || self.message.starts_with("The SNS topic is encrypted")
        {
            return Some("the topic's policy (or its KMS key's) does not let budgets.amazonaws.com publish: add the statement docs/spec.md gives under [cost.budget] to it, or send the budget's alerts to an address (alert_email)");
        }
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
                class: None,
            };
        }
        AwsError {
            context: what,
            code,
            message: shorten(&message),
            class: None,
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
            class: None,
        }
    }

    pub(crate) fn code_is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// Whether the service's modelled error was of `class`.
    pub(crate) fn is(&self, class: Class) -> bool {
        self.class == Some(class)
    }
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

/// What a service's answer means to this layer, read from the type of its modelled error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// The resource (or the setting) is not there.
    NotFound,
    /// A create found it made already.
    AlreadyExists,
    /// Another change of it is under way, or its name is not free yet.
    Conflict,
    /// Too many requests: the SDK's retry waits, then this.
    Throttling,
    /// The caller may not.
    AccessDenied,
    /// Anything else, or no answer of the service's (a transport failure).
    Other,
}

/// A service's error enum (`aws_sdk_bedrock::Error`, ...): every operation's error of the
/// service converts into it, and its variants are the service's modelled errors. Each
/// service says once which of them mean what ([`Class`]).
pub(crate) trait Modelled:
    aws_sdk_bedrock::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static
{
    fn class(&self) -> Class;

    fn is(&self, class: Class) -> bool {
        self.class() == class
    }
}

/// Each service's classification of its modelled errors, and a function that turns an
/// operation's result into the service's error enum (`from_bedrock(result)`). Codes AWS sends
/// that the service model does not model (S3's "no such configuration" answers, the common
/// AccessDenied) are classed by code, in brackets, once, here.
macro_rules! modelled {
    ($(
        $function:ident: $sdk:ident { $($variant:ident => $class:ident),* $(,)? }
        $([ $($code:literal => $code_class:ident),* $(,)? ])?;
    )*) => {$(
        impl Modelled for $sdk::Error {
            #[allow(deprecated)]
            fn class(&self) -> Class {
                match self {
                    $($sdk::Error::$variant(_) => Class::$class,)*
                    _ => {
                        use aws_sdk_bedrock::error::ProvideErrorMetadata;
                        match self.code() {
                            $($(Some($code) => Class::$code_class,)*)?
                            Some(c) if c.starts_with("AccessDenied") => Class::AccessDenied,
                            Some("ThrottlingException" | "Throttling" | "TooManyRequestsException") => Class::Throttling,
                            _ => Class::Other,
                        }
                    }
                }
            }
        }

        /// The result of a call of this service, its error as the service's modelled one
        /// (matched at once by the caller, never carried: its size does not matter).
        #[allow(dead_code, clippy::result_large_err)]
        pub(crate) fn $function<T, E>(result: Result<T, E>) -> Result<T, $sdk::Error>
        where
            $sdk::Error: From<E>,
        {
            result.map_err($sdk::Error::from)
        }
    )*};
}

modelled! {
    from_bedrock: aws_sdk_bedrock {
        ResourceNotFoundException => NotFound,
        ConflictException => Conflict,
        ThrottlingException => Throttling,
        AccessDeniedException => AccessDenied,
    };
    from_iam: aws_sdk_iam {
        NoSuchEntityException => NotFound,
        EntityAlreadyExistsException => AlreadyExists,
        ConcurrentModificationException => Conflict,
    };
    from_logs: aws_sdk_cloudwatchlogs {
        ResourceNotFoundException => NotFound,
        ResourceAlreadyExistsException => AlreadyExists,
        OperationAbortedException => Conflict,
        ConflictException => Conflict,
        ThrottlingException => Throttling,
        AccessDeniedException => AccessDenied,
    };
    from_s3: aws_sdk_s3 {
        NoSuchBucket => NotFound,
        NotFound => NotFound,
        NoSuchKey => NotFound,
        BucketAlreadyOwnedByYou => AlreadyExists,
        AccessDenied => AccessDenied,
    } [
        "NoSuchPublicAccessBlockConfiguration" => NotFound,
        "ServerSideEncryptionConfigurationNotFoundError" => NotFound,
        "OwnershipControlsNotFoundError" => NotFound,
        "NoSuchBucketPolicy" => NotFound,
        "NoSuchLifecycleConfiguration" => NotFound,
        "NoSuchTagSet" => NotFound,
        "NoSuchTagSetError" => NotFound,
        "OperationAborted" => Conflict,
        "SlowDown" => Throttling,
    ];
    from_cloudwatch: aws_sdk_cloudwatch {
        ResourceNotFound => NotFound,
        ResourceNotFoundException => NotFound,
        DashboardNotFoundError => NotFound,
        ConcurrentModificationException => Conflict,
        ConflictException => Conflict,
    };
    from_sns: aws_sdk_sns {
        NotFoundException => NotFound,
        ResourceNotFoundException => NotFound,
        ConcurrentAccessException => Conflict,
        ThrottledException => Throttling,
        AuthorizationErrorException => AccessDenied,
    };
    from_ce: aws_sdk_costexplorer {
        ResourceNotFoundException => NotFound,
    };
    from_budgets: aws_sdk_budgets {
        NotFoundException => NotFound,
        DuplicateRecordException => AlreadyExists,
        AccessDeniedException => AccessDenied,
        ThrottlingException => Throttling,
    };
    from_servicequotas: aws_sdk_servicequotas {
        NoSuchResourceException => NotFound,
        ResourceAlreadyExistsException => AlreadyExists,
        AccessDeniedException => AccessDenied,
        TooManyRequestsException => Throttling,
    };
}

/// A modelled error with what was being done: [`context`], with its class kept.
pub(crate) fn failed<S: Modelled>(what: impl Into<String>) -> impl FnOnce(S) -> AwsError {
    let what = what.into();
    move |e: S| {
        let class = e.class();
        AwsError {
            class: Some(class),
            ..context(what)(e)
        }
    }
}

/// A modelled answer that only means the call is already done (a create repeated after an
/// interruption, a delete of what is gone): done, not an error.
pub(crate) fn done_unless<T, S: Modelled>(
    result: Result<T, S>,
    already: Class,
    what: impl Into<String>,
) -> Result<(), AwsError> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.is(already) => Ok(()),
        Err(e) => Err(failed(what)(e)),
    }
}
