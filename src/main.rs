//! The `bounceaudit` command: parses the command line and hands the work to
//! the library. Exit codes: 0 all input read, 1 finished but some paths
//! could not be read, 2 usage or rule-file error, 130 interrupted.

mod cli;
mod cli_rules;

/// Decoding allocates many small strings per message; mimalloc serves them
/// faster than the system allocator, most of all across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::run());
}
