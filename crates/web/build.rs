//! Embeds every Fluent file under `locales/<locale>/` (one per feature),
//! so a new feature's catalogue needs no line anywhere else.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut locales: Vec<_> = std::fs::read_dir(&root)
        .expect("locales/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    locales.sort();
    let mut code = String::from("&[\n");
    for dir in locales {
        let locale = dir.file_name().unwrap().to_string_lossy().to_string();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("locale folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        writeln!(code, "    ({locale:?}, &[").unwrap();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().to_string();
            writeln!(
                code,
                "        ({name:?}, include_str!({:?})),",
                file.display()
            )
            .unwrap();
        }
        code.push_str("    ]),\n");
    }
    code.push(']');
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("catalogues.rs");
    std::fs::write(out, code).expect("write catalogues.rs");
}
