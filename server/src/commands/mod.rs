//! The subcommands of the `rulelens` binary, one module each.

pub mod check;
pub mod explain;
pub mod index;
pub mod inspect;
pub mod report;
