//! Technique reports.
