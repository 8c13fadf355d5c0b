//! `rulelens-corpus`: the field taxonomy and the prebuilt index of public rules.
//!
//! FIXME: empty until the index lands.
