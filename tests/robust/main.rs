//! Robustness of the built program against hostile and broken input,
//! interrupted runs and user errors (issue 7). One test binary; each module
//! generates its inputs in temporary folders.

mod errors;
mod gen;
mod hard;
mod interrupt;
