//! `gbdt-fuzz TARGET`: runs TARGET under AFL++ (built with
//! `cargo afl build --release --features afl`), or
//! `gbdt-fuzz TARGET FILE...`: runs TARGET once on each file, to reproduce
//! a crash (`RUST_BACKTRACE=1`) or replay a corpus; works in any build.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(target) = args.first().and_then(|name| gbdt_fuzz::target(name)) else {
        let names: Vec<&str> = gbdt_fuzz::TARGETS.iter().map(|t| t.name).collect();
        eprintln!(
            "usage: gbdt-fuzz TARGET [FILE...]; targets: {}",
            names.join(", ")
        );
        return ExitCode::from(2);
    };
    if args.len() > 1 {
        for file in &args[1..] {
            let bytes = match std::fs::read(file) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("cannot read {file}: {e}");
                    return ExitCode::from(2);
                }
            };
            eprintln!("{}: {file} ({} bytes)", target.name, bytes.len());
            (target.run)(&bytes);
        }
        return ExitCode::SUCCESS;
    }
    fuzz(target.run)
}

#[cfg(feature = "afl")]
fn fuzz(run: fn(&[u8])) -> ExitCode {
    afl::fuzz(true, |data: &[u8]| run(data));
    ExitCode::SUCCESS
}

#[cfg(not(feature = "afl"))]
fn fuzz(_: fn(&[u8])) -> ExitCode {
    eprintln!("built without the `afl` feature: give files to replay (see fuzz/README.md)");
    ExitCode::from(2)
}
