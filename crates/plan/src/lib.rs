//! The pure core of provisioning. The AWS layer observes live state into an
//! [`ObservedState`]; [`DesiredState`] comes from the spec, the account, the rendered
//! policies and the generated files; [`plan`] compares them and returns a [`Plan`]: what
//! changes and why, field by field, and the [`Step`]s apply will execute, phase by phase.
//! Each kind of resource is one module of [`resources`], listed once in the registry.
//! Nothing here does I/O, so every decision is tested without a network.

mod change;
mod json_keys;
mod outputs;
mod plan;
pub mod policy_doc;
pub mod quota_names;
mod refs;
pub mod regions;
mod registry;
mod render;
pub mod resources;
mod saved;
pub mod sweep;
pub mod tagging;

pub use change::{Action, Chain, Change, FieldDiff, Kept, Kind, Phase};
pub use outputs::{outputs, Output, StackOutputs};
pub use plan::{
    guard_refusal, plan, plan_destroy, plan_files, Mode, PhaseSteps, Plan, PlanError, PlanOptions,
    Planner, Suggest, Summary, PLAN_FORMAT_VERSION,
};
pub use refs::{ArnRef, Created, Outputs, Unresolved};
pub use registry::{DesiredState, GuardrailUse, Inputs, KindPlanner, ObservedState, Step, KINDS};
pub use render::{render_plan, thousands};
pub use saved::{
    digest, Fingerprint, SavedAccount, SavedPlan, SavedSummary, AWS_ENDPOINT, SAVED_FORMAT,
};

// The state of each kind under the names the layers around the plan use.
pub use resources::bucket::{
    LifecycleRule, Observed as BucketState, ObservedBucket, PublicAccessBlock, LIFECYCLE_RULE_ID,
};
pub use resources::inference_profile::{Observed as ObservedProfile, SourceState};
pub use resources::log_group::Observed as ObservedLogGroup;
pub use resources::logging_config::LoggingSettings;
pub use resources::logging_role::Observed as ObservedRole;
pub use resources::runtime_policy::Observed as ObservedRuntimeRole;
