//! Lints that compare a rule with the corpus index: noisy indicators, missing exclusions,
//! partial private-range exclusions and duplicates.

pub mod duplicate_of_corpus_rule;
pub mod missing_common_exclusion;
pub mod noisy_indicator_alone;
pub mod partial_private_range_exclusion;
pub mod shared;
