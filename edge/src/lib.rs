//! The Lambda edge shared by every function: HTTP plumbing (bodies, cookies, replies, the uniform
//! response floor), the route paths, the cold start that wires the domain's services to DynamoDB,
//! SES and the wall clock, and the JSON logs. The functions' `main.rs` call [`runtime::run`] with
//! their handler.

pub mod http;
pub mod routes;
#[cfg(feature = "aws")]
pub mod runtime;
pub mod telemetry;
