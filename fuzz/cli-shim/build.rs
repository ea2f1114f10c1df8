//! Declares every module that gbdt-cli's main.rs declares (`mod x;`), each
//! pointing at gbdt-cli/src/x.rs (or x/mod.rs), so that `crate::x` inside those files
//! resolves here exactly as in the binary. A module added to main.rs is
//! picked up without editing this crate.

use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let src = dir
        .join("../../gbdt-cli/src")
        .canonicalize()
        .expect("gbdt-cli/src exists");
    let main = src.join("main.rs");
    println!("cargo:rerun-if-changed={}", main.display());
    let text = std::fs::read_to_string(&main).expect("gbdt-cli/src/main.rs is readable");
    let mut out = String::new();
    for line in text.lines() {
        let Some(name) = line
            .trim()
            .strip_prefix("mod ")
            .and_then(|r| r.strip_suffix(';'))
        else {
            continue;
        };
        // `x.rs`, or `x/mod.rs` for a module kept in a folder.
        let flat = src.join(format!("{name}.rs"));
        let folder = src.join(name);
        // A module loaded by #[path] finds its submodules beside it, as a
        // mod.rs does: x.rs with an x/ folder would not resolve here.
        assert!(
            !(flat.exists() && folder.is_dir()),
            "gbdt-cli/src/{name}.rs has submodules in {name}/: move it to {name}/mod.rs"
        );
        let file = match flat.exists() {
            true => flat,
            false => folder.join("mod.rs"),
        };
        println!("cargo:rerun-if-changed={}", file.display());
        out.push_str(&format!(
            "#[path = {:?}]\npub mod {name};\n",
            file.display().to_string()
        ));
    }
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out_dir.join("modules.rs"), out).expect("OUT_DIR is writable");
}
