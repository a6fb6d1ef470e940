//! Embeds the default rule files of `rules/` into the binary, in name order.

use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let mut names: Vec<String> = fs::read_dir("rules")
        .expect("the rules/ folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut out =
        String::from("pub const DEFAULT_RULES: &[(&str, &str)] = &[\n");
    for n in &names {
        let path = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap())
            .join("rules")
            .join(n);
        println!("cargo:rerun-if-changed={}", path.display());
        out.push_str(&format!(
            "    ({n:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest =
        Path::new(&env::var("OUT_DIR").unwrap()).join("default_rules.rs");
    fs::write(dest, out).expect("write default_rules.rs");
}
