//! Lints on field names, checked against the taxonomy and the corpus index.

pub mod unknown_field;
