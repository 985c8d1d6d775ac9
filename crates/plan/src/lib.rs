//! The pure core of provisioning. The AWS layer observes live state into an
//! [`ObservedState`]; [`DesiredState`] comes from the spec, the account and the rendered
//! policies; [`plan`] compares them and returns a [`Plan`]: what changes and why, field by
//! field, and the [`Step`]s that apply will execute, in dependency order. Nothing here does
//! I/O, so every decision is tested without a network.

mod desired;
mod observed;
mod plan;
pub mod policy_doc;
mod render;
mod steps;

pub use desired::{
    pending_arn, runtime_policy_name, DesiredBucket, DesiredLogGroup, DesiredProfile, DesiredRole,
    DesiredRuntime, DesiredState, LIFECYCLE_RULE_ID,
};
pub use observed::{
    BucketState, LifecycleRule, LoggingSettings, ObservedBucket, ObservedLogGroup, ObservedProfile,
    ObservedRole, ObservedRuntimeRole, ObservedState, PublicAccessBlock, SourceState,
};
pub use plan::{
    plan, plan_destroy, Action, Change, FieldDiff, Kept, Plan, PlanError, PlanOptions,
    ResourceKind, Summary, PLAN_FORMAT_VERSION,
};
pub use render::render_plan;
pub use steps::{Chain, Phase, Step};
